/**
 * /healthz: the process answers. /readyz: and Temporal answers, and a worker has published the organization's OUs
 * (until then every new request would be a 503): a load balancer sends work only to a ready API.
 */
import { type Client } from '@temporalio/client';
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type OrganizationDirectoryReader } from '../organization-directory';
import { temporalReachable } from '../temporal';
import { ErrorBodySchema } from './errors';

export const healthRoutes: FastifyPluginAsyncZod<{ temporal: Client; organizationDirectory: OrganizationDirectoryReader }> = async (app, { temporal, organizationDirectory }) => {
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
        summary: "Readiness: Temporal is reachable and the organization's OUs are known",
        tags: ['health'],
        security: [],
        response: { 200: z.object({ status: z.literal('ready') }), 503: ErrorBodySchema },
      },
    },
    async (_request, reply) => {
      if (!(await temporalReachable(temporal))) {
        return reply
          .status(503)
          .header('retry-after', '5')
          .send({ error: { code: 'TEMPORAL_UNAVAILABLE', message: 'Temporal is not reachable from the API' } });
      }
      if (!(await organizationDirectory.read().catch(() => undefined))) {
        return reply
          .status(503)
          .header('retry-after', '5')
          .send({ error: { code: 'ORGANIZATION_DIRECTORY_UNAVAILABLE', message: "no worker has listed the organization's OUs yet: is a worker running?" } });
      }
      return { status: 'ready' as const };
    },
  );
};
