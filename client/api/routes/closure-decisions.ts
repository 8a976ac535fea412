/**
 * The human steps of a closure: an approver's signed decision (four eyes: never the one who asked) and a signed
 * cancellation (by whoever asked, or an operator; until CloseAccount is sent). The API checks who may act first (a
 * clear 403 before any Temporal call); the workflow's update validator has the last word, its refusals mapped to 403
 * (who) or 409 (the closure's stage).
 */
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ClosureRefusal } from '../../../contract/closure';
import { UpdateRefusal } from '../../../contract/vending';
import { cancelClosure, decideClosure, describeClosure, type ClosureFacts } from '../../closure';
import { NoTrustedSigningKeyError } from '../../temporal';
import { requireRole, type Principal } from '../auth';
import { ApiError, errorResponses } from '../errors';
import { closureNotFound, type ClosureRouteContext } from './closure-context';
import { ClosureCancelBodySchema, ClosureDecisionBodySchema, ClosureDecisionRecordSchema, ClosureIdParams, closureLinks, ClosureRefSchema } from './closure-schemas';
import { principalOf, readsEveryRequest } from './context';

export const closureDecisionRoutes: FastifyPluginAsyncZod<ClosureRouteContext> = async (app, ctx) => {
  app.post(
    '/v1/closure-requests/:id/decision',
    {
      schema: {
        summary: 'Approve or reject a closure waiting at awaiting-decision',
        description: 'Needs the approver role; whoever asked for the closure cannot decide on it. The decider is the caller; the decision is signed by the API.',
        tags: ['closure decisions'],
        params: ClosureIdParams,
        body: ClosureDecisionBodySchema,
        response: { 200: z.object({ id: z.string(), decision: ClosureDecisionRecordSchema }), ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      requireRole(principal, 'approver', 'decide on a closure');
      const facts = await runningClosure(ctx.temporal, id, principal);
      if (facts.requester === principal.user) {
        throw new ApiError(403, 'SELF_APPROVAL', `${principal.user} asked for this closure and cannot decide on it; another approver must`);
      }
      const record = await refusalsMapped(id, () => decideClosure(ctx.temporal, ctx.signer, facts, principal, request.body));
      request.log.info({ workflowId: id, decision: record.decision, decidedBy: principal.user }, 'closure decision recorded');
      return { id, decision: { decision: record.decision, reason: record.reason, decidedBy: record.decidedBy, decidedAt: record.decidedAt } };
    },
  );

  app.post(
    '/v1/closure-requests/:id/cancel',
    {
      schema: {
        summary: 'Cancel a closure until CloseAccount is sent; in quarantine the account is moved back and the SCP detached',
        description:
          'Whoever asked for the closure, or an operator. Accepted at any stage before CloseAccount is sent (awaiting a ' +
          'decision, in the grace period, waiting for a slot); 409 CLOSURE_IRREVERSIBLE afterwards (AWS Support can ' +
          'reopen a SUSPENDED account within 90 days).',
        tags: ['closure decisions'],
        params: ClosureIdParams,
        body: ClosureCancelBodySchema,
        response: { 202: ClosureRefSchema, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const facts = await runningClosure(ctx.temporal, id, principal);
      if (facts.requester !== principal.user && !principal.roles.includes('operator')) {
        throw new ApiError(403, 'FORBIDDEN', 'only whoever asked for the closure or an operator may cancel it');
      }
      const record = await refusalsMapped(id, () => cancelClosure(ctx.temporal, ctx.signer, facts, principal, request.body.reason));
      request.log.info({ workflowId: id, cancelledBy: principal.user }, 'closure cancelled');
      return reply.status(202).send({ id, stage: record.stage, accountId: facts.accountId ?? id.slice('close-'.length), links: closureLinks(id) });
    },
  );
};

/** The closure must exist, be visible to the caller (404 as a missing one), and still run (409). */
async function runningClosure(client: Client, id: string, principal: Principal): Promise<ClosureFacts> {
  const facts = await describeClosure(client, id);
  if (!facts || (!readsEveryRequest(principal) && facts.requester !== principal.user)) throw closureNotFound(id);
  if (!facts.running) throw new ApiError(409, 'CLOSURE_ENDED', `closure ${id} has ended at stage ${facts.stage}`, { stage: facts.stage });
  return facts;
}

/** The validator's refusals by what they are about: who (403), the closure's stage (409), the input (400). */
async function refusalsMapped<T>(id: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ApiError(409, 'CLOSURE_ENDED', `closure ${id} has ended`);
    if (err instanceof NoTrustedSigningKeyError) {
      throw new ApiError(409, 'SIGNING_KEY_RETIRED', `${err.message}: put the key the closure was started with back into VEND_DECISION_KEYS`);
    }
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    const message = err.cause?.message ?? err.message;
    const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
    if (type === UpdateRefusal.DecisionNotAllowed) throw new ApiError(403, 'DECISION_NOT_ALLOWED', message);
    if (type === UpdateRefusal.InvalidInput) throw new ApiError(400, 'VALIDATION_FAILED', message);
    if (type === UpdateRefusal.SignatureInvalid) throw new ApiError(409, 'SIGNATURE_REFUSED', message, { requestId: id });
    if (type === UpdateRefusal.AlreadyDecided) throw new ApiError(409, 'ALREADY_DECIDED', message, { requestId: id });
    if (type === ClosureRefusal.Irreversible) throw new ApiError(409, 'CLOSURE_IRREVERSIBLE', message, { requestId: id });
    throw new ApiError(409, 'WRONG_STAGE', message, { requestId: id });
  }
}
