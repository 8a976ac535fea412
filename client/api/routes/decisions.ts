/**
 * The human steps of a request: the approver's decision, the root-mailbox owner's confirmation, and cancellation.
 * The actor is always the authenticated principal. The API checks who may act first (a clear 403 before any
 * Temporal call); the workflow's update validator still has the last word, and its refusals are mapped to
 * 403 (who decides) or 409 (the request's stage).
 */
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DecisionSchema, UpdateRefusal } from '../../../contract/vending';
import { noteText } from '../../../contract/text';
import { cancelRequest, confirmRemediation, decide, describeRequest, NoTrustedSigningKeyError, type RequestFacts } from '../../temporal';
import { requireRole, type Principal } from '../auth';
import { ApiError, errorResponses } from '../errors';
import { principalOf, readsEveryRequest, type RouteContext } from './context';
import { DecisionRecordSchema, links, RequestIdParams, RequestRefSchema, RootWindowSchema } from './schemas';

const DecisionBodySchema = z
  .object({ decision: DecisionSchema.shape.decision, reason: noteText(z.string().trim().min(1, 'a reason is required').max(1000)) })
  .strict();
const ConfirmationBodySchema = z.object({ note: noteText(z.string().max(1000)).default('') }).strict();

export const decisionRoutes: FastifyPluginAsyncZod<RouteContext> = async (app, ctx) => {
  app.post(
    '/v1/account-requests/:id/decision',
    {
      schema: {
        summary: 'Decide on a request waiting at awaiting-decision: approve the root remediation, attest, or reject',
        description: 'Needs the approver role; the requester of a request cannot decide on it. The decider is the caller.',
        tags: ['decisions'],
        params: RequestIdParams,
        body: DecisionBodySchema,
        response: { 200: z.object({ id: z.string(), decision: DecisionRecordSchema }), ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      requireRole(principal, 'approver', 'decide on a request');
      const facts = await runningRequest(ctx.temporal, id, principal);
      if (facts.requester === principal.user) {
        throw new ApiError(403, 'SELF_APPROVAL', `${principal.user} requested this account and cannot decide on it; another approver must`);
      }
      const record = await refusalsMapped(id, () => decide(ctx.temporal, ctx.signer, { id, ...facts }, principal, request.body));
      request.log.info({ workflowId: id, decision: record.decision, decidedBy: principal.user }, 'decision recorded');
      return { id, decision: record };
    },
  );

  app.post(
    '/v1/account-requests/:id/remediation-confirmation',
    {
      schema: {
        summary: "Confirm that the root user switched billing access on while the request's root window is open",
        description:
          'Needs the approver or operator role, and not the requester. The request completes only when CloudTrail then ' +
          'shows the change (SetIAMAccessPreference); otherwise its window stays open until its deadline.',
        tags: ['decisions'],
        params: RequestIdParams,
        body: ConfirmationBodySchema,
        response: { 200: z.object({ id: z.string(), rootWindow: RootWindowSchema }), ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      if (!principal.roles.some((role) => role === 'approver' || role === 'operator')) {
        throw new ApiError(403, 'FORBIDDEN', `${principal.user} holds neither the approver nor the operator role needed to confirm the remediation`);
      }
      const facts = await runningRequest(ctx.temporal, id, principal);
      // Four eyes: the requester cannot vouch for their own account's remediation.
      if (facts.requester === principal.user) {
        throw new ApiError(403, 'SELF_CONFIRMATION', `${principal.user} requested this account and cannot confirm its remediation; an approver or operator must`);
      }
      const rootWindow = await refusalsMapped(id, () => confirmRemediation(ctx.temporal, ctx.signer, { id, ...facts }, principal, request.body.note));
      return { id, rootWindow };
    },
  );

  app.post(
    '/v1/account-requests/:id/cancel',
    {
      schema: {
        summary: 'Cancel a running request (its requester or an operator); the workflow closes any root window first',
        tags: ['decisions'],
        params: RequestIdParams,
        response: { 202: RequestRefSchema, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const facts = await runningRequest(ctx.temporal, id, principal);
      mayActFor(principal, facts.requester, ['operator'], 'cancel this request');
      await notFoundAsClosed(id, () => cancelRequest(ctx.temporal, id));
      request.log.info({ workflowId: id, cancelledBy: principal.user }, 'cancellation requested');
      return reply.status(202).send({ id, stage: facts.stage, links: links(id) });
    },
  );
};

/**
 * The request must exist and be visible to the caller (404, exactly as a missing one: a requester does not learn of
 * someone else's request), and still run (409): a finished request takes no decisions and no cancellation.
 */
async function runningRequest(client: Client, id: string, principal: Principal): Promise<RequestFacts> {
  let facts: RequestFacts;
  try {
    facts = await describeRequest(client, id);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'REQUEST_NOT_FOUND', `no request ${id}`);
    throw err;
  }
  if (!readsEveryRequest(principal) && facts.requester !== principal.user) throw new ApiError(404, 'REQUEST_NOT_FOUND', `no request ${id}`);
  if (!facts.running) throw new ApiError(409, 'REQUEST_CLOSED', `request ${id} has ended at stage ${facts.stage}`, { stage: facts.stage });
  return facts;
}

function mayActFor(principal: Principal, requester: string | undefined, roles: Principal['roles'], what: string): void {
  if (principal.user === requester || roles.some((role) => principal.roles.includes(role))) return;
  throw new ApiError(403, 'FORBIDDEN', `only the requester or a holder of ${roles.join('/')} may ${what}`);
}

/** A workflow that closed between our describe and the call looks like "not found" to Temporal: it is a 409. */
async function notFoundAsClosed<T>(id: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ApiError(409, 'REQUEST_CLOSED', `request ${id} has ended`);
    throw err;
  }
}

/** The workflow validator's refusal, by what it is about: who may decide (403) or the request's stage (409). */
async function refusalsMapped<T>(id: string, call: () => Promise<T>): Promise<T> {
  try {
    return await notFoundAsClosed(id, call);
  } catch (err) {
    if (err instanceof NoTrustedSigningKeyError) {
      throw new ApiError(409, 'SIGNING_KEY_RETIRED', `${err.message}: put the key the request was started with back into VEND_DECISION_KEYS`);
    }
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    const message = err.cause?.message ?? err.message;
    const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
    if (type === UpdateRefusal.DecisionNotAllowed) throw new ApiError(403, 'DECISION_NOT_ALLOWED', message);
    if (type === UpdateRefusal.InvalidInput) throw new ApiError(400, 'VALIDATION_FAILED', message);
    if (type === UpdateRefusal.SignatureInvalid) throw new ApiError(409, 'SIGNATURE_REFUSED', message, { requestId: id });
    if (type === UpdateRefusal.AlreadyDecided) throw new ApiError(409, 'ALREADY_DECIDED', message, { requestId: id });
    throw new ApiError(409, 'WRONG_STAGE', message, { requestId: id });
  }
}
