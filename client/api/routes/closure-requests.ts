/**
 * /v1/closure-requests: ask for an account's closure, read one, list them. Every route behind bearer authentication.
 * Everything that can refuse a closure is checked before anything starts (client/api/closure-admission.ts); only then
 * is the closeAccount workflow started. Who reads what: approvers and operators every closure; a requester the
 * closures they asked for and those of their own accounts (another's answers 404, as a missing one does).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { closureIdForAccount } from '../../../contract/closure';
import { type ClosureStage } from '../../../contract/stages';
import { ACCOUNT_CLOSED_STAGES, closureTurn, describeClosure, listClosures, readClosure, startClosure } from '../../closure';
import { reserveIdempotencyKey } from '../../temporal';
import { authenticateHeader, type Authenticator, type Principal } from '../auth';
import { admitClosure, checkAsker } from '../closure-admission';
import { ApiError, errorResponses } from '../errors';
import { compareFingerprints, fingerprintOf, IdempotencyKeySchema } from '../idempotency';
import { decodePageToken, encodePageToken } from '../page-token';
import { closureNotFound, type ClosureRouteContext } from './closure-context';
import { closureDecisionRoutes } from './closure-decisions';
import {
  ClosureIdParams,
  closureLinks,
  ClosureListQuerySchema,
  ClosureRefSchema,
  ClosureSummarySchema,
  ClosureViewSchema,
  NewClosureRequestSchema,
} from './closure-schemas';
import { principalOf, readsEveryRequest } from './context';

export const closureRequestRoutes: FastifyPluginAsyncZod<ClosureRouteContext & { authenticator: Authenticator }> = async (app, opts) => {
  app.addHook('onRequest', async (request) => {
    request.principal = await authenticateHeader(opts.authenticator, request.headers.authorization);
  });
  const { authenticator: _authenticator, ...ctx } = opts;
  await app.register(submitClosureRoute, ctx);
  await app.register(readClosureRoutes, ctx);
  await app.register(closureDecisionRoutes, ctx);
};

const submitClosureRoute: FastifyPluginAsyncZod<ClosureRouteContext> = async (app, ctx) => {
  app.post(
    '/v1/closure-requests',
    {
      schema: {
        summary: 'Ask for an AWS member account to be closed',
        description:
          'Starts one closeAccount workflow (id close-<account id>): preflight, a signed decision by another approver, ' +
          'quarantine (the quarantine OU, the deny-all SCP if configured) for a grace period in which a cancel restores ' +
          'the account, then CloseAccount when the organization\'s closure quota has room, SUSPENDED, and the 90-day ' +
          'reopen window. The account\'s requester or an operator may ask; an account this engine did not vend only with ' +
          '"adopt": true, by an operator. Refused before anything starts: the management account (422), an account in a ' +
          'protected OU (422), one unknown to the organization (422), one not vended here (422), one closed already (409), ' +
          'one with a vending or closure request still running (409). With an Idempotency-Key, the same key and body ' +
          'again answer 200 with the same id.',
        tags: ['closure requests'],
        body: NewClosureRequestSchema,
        headers: z.object({ 'idempotency-key': IdempotencyKeySchema.optional() }),
        response: {
          200: ClosureRefSchema.describe('an idempotent repeat: the closure this key and body started'),
          202: ClosureRefSchema.describe('the closure was accepted and its workflow started'),
          ...errorResponses(400, 401, 403, 409, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { accountId, reason, adopt } = request.body;
      checkAsker(principal, adopt);
      const id = closureIdForAccount(accountId);
      const key = request.headers['idempotency-key'];
      const fingerprint = key === undefined ? undefined : fingerprintOf(principal.user, `closure\u0000${key}`, request.body);
      const ref = (stage: ClosureStage) => ({ id, stage, accountId, links: closureLinks(id) });

      // An idempotent repeat is answered with what it started, whatever the account's state is now.
      const existing = await describeClosure(ctx.temporal, id);
      if (existing && compareFingerprints(fingerprint, existing.fingerprint) === 'repeat') return reply.status(200).send(ref(existing.stage));

      const admission = await admitClosure(
        { temporal: ctx.temporal, taskQueue: ctx.taskQueue, directory: ctx.organizationDirectory, config: ctx.closure },
        principal,
        request.body,
      );
      if (existing?.running) throw alreadyRequested(id, existing.stage);
      if (existing && ACCOUNT_CLOSED_STAGES.includes(existing.stage)) {
        throw new ApiError(409, 'ACCOUNT_ALREADY_CLOSED', `account ${accountId} was closed by ${id} (stage ${existing.stage})`, { requestId: id, links: closureLinks(id) });
      }
      if (fingerprint) {
        const reservation = await reserveIdempotencyKey(ctx.temporal, { taskQueue: ctx.taskQueue, fingerprint, requestId: id, windowMs: ctx.idempotencyWindowMs });
        if (!reservation.reserved && reservation.reservation.body !== fingerprint.body) {
          throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', `this Idempotency-Key was first used with another body (for ${reservation.reservation.requestId}); send a new key`, {
            requestId: reservation.reservation.requestId,
          });
        }
      }
      const outcome = await startClosure(ctx.temporal, {
        accountId,
        reason,
        requester: principal.user,
        requesterRoles: principal.roles,
        ...admission,
        policy: ctx.closure.policy,
        decisionKeys: ctx.signer.publicKeys(),
        taskQueue: ctx.taskQueue,
        fingerprint,
      });
      if (!outcome.started) {
        if (compareFingerprints(fingerprint, outcome.fingerprint) === 'repeat') return reply.status(200).send(ref(outcome.stage));
        throw alreadyRequested(id, outcome.stage);
      }
      request.log.info({ workflowId: id, requester: principal.user, adopted: admission.adopted }, 'closure request started');
      return reply.status(202).send(ref('preflight'));
    },
  );
};

function alreadyRequested(id: string, stage: ClosureStage): ApiError {
  return new ApiError(409, 'CLOSURE_ALREADY_REQUESTED', `a closure of this account is already running: ${id} (stage ${stage})`, {
    requestId: id,
    stage,
    links: closureLinks(id),
  });
}

/** Approvers and operators read every closure; a requester those they asked for and those of their own accounts. */
function mayRead(principal: Principal, facts: { requester?: string; owner?: string }): boolean {
  return readsEveryRequest(principal) || facts.requester === principal.user || facts.owner === principal.user;
}

const readClosureRoutes: FastifyPluginAsyncZod<ClosureRouteContext> = async (app, ctx) => {
  app.get(
    '/v1/closure-requests/:id',
    {
      schema: {
        summary: "A closure's stage, decision, quarantine, its place in the closure quota's line, and timeline",
        description:
          'While the closure waits for a slot (stage closing, before CloseAccount), `slot` says its place in the ' +
          "organization's line and when its turn is expected (the quota's rolling window, the closures-at-once limit, " +
          "CloseAccount's rate). Approvers and operators read every closure; a requester the ones they asked for and " +
          "those of their own accounts (another's answers 404 CLOSURE_NOT_FOUND, as a missing one does).",
        tags: ['closure requests'],
        params: ClosureIdParams,
        response: { 200: ClosureViewSchema, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      try {
        const view = await readClosure(ctx.temporal.workflow.getHandle(id), ctx.temporal, (facts) => mayRead(principal, facts));
        if (!view) throw closureNotFound(id);
        const status = view.status;
        const waiting = view.stage === 'closing' && view.execution === 'RUNNING' && !status?.closure?.closeRequestedAt;
        const turn = waiting ? await closureTurn(ctx.temporal, ctx.taskQueue, id) : undefined;
        return {
          id: view.id,
          stage: view.stage,
          accountId: view.accountId ?? status?.accountId,
          accountName: status?.accountName,
          requester: view.requester,
          owner: status?.owner,
          adopted: status?.adopted,
          reason: status?.reason,
          execution: view.execution,
          pendingDecision: status?.pendingDecision,
          decision: status?.decision,
          quarantine: status?.quarantine,
          closure: status?.closure,
          ...(turn ? { slot: { position: turn.position, expectedAt: turn.expectedAt, waitingFor: turn.waitingFor } } : {}),
          cancellation: status?.cancellation,
          failure: status?.failure,
          timeline: status?.timeline ?? [],
          links: closureLinks(view.id),
        };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw closureNotFound(id);
        throw err;
      }
    },
  );

  app.get(
    '/v1/closure-requests',
    {
      schema: {
        summary: 'Closures, newest first, filtered by stage, requester and account; page with nextPageToken',
        description: 'Approvers and operators list every closure; a requester lists the closures they asked for (a requester filter naming someone else answers 403).',
        tags: ['closure requests'],
        querystring: ClosureListQuerySchema,
        response: {
          200: z.object({ items: z.array(ClosureSummarySchema), nextPageToken: z.string().optional() }),
          ...errorResponses(400, 401, 403, 429, 503),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { stage, accountId, pageSize, pageToken } = request.query;
      let requester = request.query.requester;
      if (!readsEveryRequest(principal)) {
        if (requester !== undefined && requester !== principal.user) {
          throw new ApiError(403, 'FORBIDDEN', `${principal.user} may list their own closures only (requester=${principal.user} or no requester filter)`);
        }
        requester = principal.user;
      }
      const filters = JSON.stringify(['closures', stage ?? null, requester ?? null, accountId ?? null]);
      const temporalToken = pageToken === undefined ? undefined : decodePageToken(pageToken, filters);
      if (pageToken !== undefined && !temporalToken) {
        throw new ApiError(400, 'INVALID_PAGE_TOKEN', 'pageToken is not one this API handed out for these filters', [
          { field: 'querystring.pageToken', message: 'not a token from a previous answer with the same filters' },
        ]);
      }
      const page = await listClosures(ctx.temporal, { taskQueue: ctx.taskQueue, stage, requester, accountId, pageSize, pageToken: temporalToken });
      return { items: page.items, nextPageToken: page.nextPageToken && encodePageToken(page.nextPageToken, filters) };
    },
  );
};
