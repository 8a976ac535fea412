/**
 * What the API's log keeps of a request: method and path, never the query string (`?email=` is an email, and any
 * other query value may be one), and no path segment that could hold an address (an `@`, or percent-encoding that
 * could hide one). Bearer tokens are redacted separately (app.ts).
 */
import { type FastifyRequest } from 'fastify';

export function loggablePath(url: string): string {
  const path = url.split(/[?#]/, 1)[0].slice(0, 512);
  return path
    .split('/')
    .map((segment) => (/[@%]/.test(segment) ? '[redacted]' : segment))
    .join('/');
}

/** Fastify's `req` log serializer, without the query string. */
export function requestLogFields(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: loggablePath(request.url),
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
