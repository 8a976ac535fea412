/**
 * /v1/account-requests: every route behind bearer authentication (an onRequest hook, so a token-less call is a
 * 401 before its body is even parsed), each concern in its own file.
 */
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authenticateHeader, type Authenticator } from '../auth';
import { type RouteContext } from './context';
import { baselineDecisionRoute } from './baseline-decisions';
import { blueprintRoutes } from './blueprints';
import { decisionRoutes } from './decisions';
import { readRequestsRoutes } from './read-requests';
import { submitRequestRoute } from './submit-request';

export interface AccountRequestRoutesOptions extends RouteContext {
  authenticator: Authenticator;
}

export const accountRequestRoutes: FastifyPluginAsyncZod<AccountRequestRoutesOptions> = async (app, opts) => {
  app.addHook('onRequest', async (request) => {
    request.principal = await authenticateHeader(opts.authenticator, request.headers.authorization);
  });
  const ctx: RouteContext = {
    temporal: opts.temporal,
    taskQueue: opts.taskQueue,
    policy: opts.policy,
    signer: opts.signer,
    idempotencyWindowMs: opts.idempotencyWindowMs,
    organizationDirectory: opts.organizationDirectory,
    blueprints: opts.blueprints,
    baselinePolicy: opts.baselinePolicy,
    guardianFindings: opts.guardianFindings,
  };
  await app.register(submitRequestRoute, ctx);
  await app.register(readRequestsRoutes, ctx);
  await app.register(decisionRoutes, ctx);
  await app.register(baselineDecisionRoute, ctx);
  await app.register(blueprintRoutes, ctx);
};
