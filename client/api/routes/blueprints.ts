/** GET /v1/blueprints: the blueprints a request may name, with the OUs they are the default for and their steps. */
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BASELINE_STEPS } from '../../../contract/blueprint';
import { errorResponses } from '../errors';
import { principalOf, type RouteContext } from './context';

export const BlueprintSummarySchema = z.object({
  name: z.string(),
  version: z.number(),
  description: z.string().optional(),
  defaultFor: z.array(z.string()),
  steps: z.array(z.enum(BASELINE_STEPS)),
});

export const blueprintRoutes: FastifyPluginAsyncZod<RouteContext> = async (app, ctx) => {
  app.get(
    '/v1/blueprints',
    {
      schema: {
        summary: 'The day-1 blueprints a request may name in its `blueprint` field',
        description: 'Each with its version, the OUs whose requests get it when they name none, and the steps it runs.',
        tags: ['blueprints'],
        response: { 200: z.object({ items: z.array(BlueprintSummarySchema) }), ...errorResponses(401, 429, 503) },
      },
    },
    async (request) => {
      principalOf(request);
      return { items: ctx.blueprints.summaries() };
    },
  );
};
