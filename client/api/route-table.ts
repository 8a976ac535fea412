/**
 * The routes the API serves, by path pattern and method, collected as they are added (Fastify's onRoute hook): a
 * request for a path that exists with a method it does not serve is a 405 with an Allow header, not a 404.
 */
import { type RouteOptions } from 'fastify';

export class RouteTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  add(route: Pick<RouteOptions, 'url' | 'method'>): void {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const source = route.url
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    const pattern = new RegExp(`^${source}$`);
    const existing = this.routes.find((r) => r.pattern.source === pattern.source);
    if (existing) for (const method of methods) existing.methods.add(method.toUpperCase());
    else this.routes.push({ pattern, methods: new Set(methods.map((m) => m.toUpperCase())) });
  }

  /** The methods some route serves at this path (without its query), sorted; empty when no route has the path. */
  methodsAt(url: string): string[] {
    const path = url.split(/[?#]/, 1)[0];
    const methods = new Set<string>();
    for (const route of this.routes) if (route.pattern.test(path)) for (const m of route.methods) methods.add(m);
    return [...methods].sort();
  }
}
