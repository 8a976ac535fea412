/** The OpenAPI 3.1 document, generated from the routes' zod schemas (/openapi.json), and the interactive docs (/docs). */
import fastifySwagger from '@fastify/swagger';
import type scalarApiReference from '@scalar/fastify-api-reference';
import { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Account vending API',
        version: '1.0.0',
        description:
          'Request AWS member accounts; each request is one durable Temporal workflow. Errors always have the shape ' +
          '{"error": {"code", "message", "details?"}}.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const scalar = loadScalar();
  if (scalar) {
    await app.register(scalar, { routePrefix: '/docs', logLevel: 'warn' });
  } else {
    // Only where the ESM-only plugin cannot be loaded (jest's CommonJS registry): the same reference UI, from its CDN.
    app.get('/docs', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) =>
      reply.type('text/html').send(
        '<!doctype html><html><head><title>Account vending API</title><meta charset="utf-8"/></head><body>' +
          '<script id="api-reference" data-url="/openapi.json"></script>' +
          '<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script></body></html>',
      ),
    );
  }
}

/**
 * @scalar/fastify-api-reference ships as ESM only; Node >= 20.19 loads it with require. Under jest (whose module
 * registry cannot load ESM on Node 20) this answers undefined and /docs falls back to the CDN page above.
 */
function loadScalar(): typeof scalarApiReference | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require('@scalar/fastify-api-reference') as { default?: typeof scalarApiReference };
    return loaded.default ?? (loaded as unknown as typeof scalarApiReference);
  } catch {
    return undefined;
  }
}
