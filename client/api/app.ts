/** Builds the request API (Fastify + zod schemas + OpenAPI); main.ts listens, tests inject or listen on a free port. */
import fastifySwagger from '@fastify/swagger';
import { type Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { type VendingPolicy } from '../../contract/vending';
import { type Authenticator, type Principal } from './auth';
import { ApiError, installErrorHandling } from './errors';
import { accountRequestRoutes } from './routes/account-requests';

export interface ApiDependencies {
  temporal: Client;
  taskQueue: string;
  policy: Partial<VendingPolicy>;
  authenticator: Authenticator;
  logLevel?: string;
}

export async function buildApi(deps: ApiDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: deps.logLevel ?? 'info', redact: ['req.headers.authorization'] },
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 64) : randomUUID()),
    bodyLimit: 64 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Account vending API', version: '1.0.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  const authenticate = async (authorization: string | undefined): Promise<Principal> => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new ApiError(401, 'UNAUTHENTICATED', 'an Authorization: Bearer <token> header is required');
    const principal = await deps.authenticator.authenticate(match[1]);
    if (!principal) throw new ApiError(401, 'UNAUTHENTICATED', 'the bearer token is not valid');
    return principal;
  };

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(accountRequestRoutes, { temporal: deps.temporal, taskQueue: deps.taskQueue, policy: deps.policy, authenticate });
  return app;
}
