/** /healthz: the process answers. /readyz: and Temporal answers too (a load balancer stops sending work when not). */
import { type Client } from '@temporalio/client';
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { temporalReachable } from '../temporal';
import { ErrorBodySchema } from './errors';

export const healthRoutes: FastifyPluginAsyncZod<{ temporal: Client }> = async (app, { temporal }) => {
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: { summary: 'Liveness: the API process answers', tags: ['health'], security: [], response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        summary: 'Readiness: Temporal is reachable',
        tags: ['health'],
        security: [],
        response: { 200: z.object({ status: z.literal('ready') }), 503: ErrorBodySchema },
      },
    },
    async (_request, reply) => {
      if (await temporalReachable(temporal)) return { status: 'ready' as const };
      return reply
        .status(503)
        .header('retry-after', '5')
        .send({ error: { code: 'TEMPORAL_UNAVAILABLE', message: 'Temporal is not reachable from the API' } });
    },
  );
};
