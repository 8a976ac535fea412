/**
 * POST /v1/account-requests/{id}/baseline-decision: an operator retries or skips the baseline step a request waits on
 * at needs-attention. Signed like every human decision; the API checks who may act first (403), the workflow's
 * validator has the last word (the signature, the step, this failure of it, four eyes).
 */
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BASELINE_STEP_DECISIONS } from '../../../contract/baseline';
import { BASELINE_STEPS } from '../../../contract/blueprint';
import { noteText } from '../../../contract/text';
import { statusQuery, UpdateRefusal } from '../../../contract/vending';
import { decideBaselineStep } from '../../baseline';
import { describeRequest, NoTrustedSigningKeyError } from '../../temporal';
import { requireRole } from '../auth';
import { ApiError, errorResponses } from '../errors';
import { principalOf, readsEveryRequest, type RouteContext } from './context';
import { RequestIdParams } from './schemas';

const BaselineDecisionBodySchema = z
  .object({
    decision: z.enum(BASELINE_STEP_DECISIONS),
    step: z.enum(BASELINE_STEPS),
    reason: noteText(z.string().trim().min(1, 'a reason is required').max(1000)),
  })
  .strict();

export const BaselineDecisionRecordSchema = z.object({
  decision: z.enum(BASELINE_STEP_DECISIONS),
  step: z.string(),
  occurrence: z.number(),
  reason: z.string(),
  decidedBy: z.string(),
  decidedAt: z.string(),
});

export const baselineDecisionRoute: FastifyPluginAsyncZod<RouteContext> = async (app, ctx) => {
  app.post(
    '/v1/account-requests/:id/baseline-decision',
    {
      schema: {
        summary: 'Retry or skip the baseline step a request waits on at needs-attention',
        description:
          'Needs the operator role; the requester of a request cannot decide on it. The step must be the one waiting ' +
          '(GET shows it as baseline.pending); each failure of a step takes one decision. Nothing is rolled back.',
        tags: ['decisions'],
        params: RequestIdParams,
        body: BaselineDecisionBodySchema,
        response: { 200: z.object({ id: z.string(), decision: BaselineDecisionRecordSchema }), ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      requireRole(principal, 'operator', 'retry or skip a baseline step');
      let facts;
      try {
        facts = await describeRequest(ctx.temporal, id);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'REQUEST_NOT_FOUND', `no request ${id}`);
        throw err;
      }
      if (!readsEveryRequest(principal) && facts.requester !== principal.user) throw new ApiError(404, 'REQUEST_NOT_FOUND', `no request ${id}`);
      if (!facts.running) throw new ApiError(409, 'REQUEST_CLOSED', `request ${id} has ended at stage ${facts.stage}`, { stage: facts.stage });
      if (facts.requester === principal.user) {
        throw new ApiError(403, 'SELF_APPROVAL', `${principal.user} requested this account and cannot decide on its baseline; another operator must`);
      }
      const status = await ctx.temporal.workflow.getHandle(id, facts.runId).query(statusQuery);
      const pending = status.baseline?.pending;
      if (!pending) throw new ApiError(409, 'WRONG_STAGE', `no baseline step of request ${id} is waiting for a decision (stage ${status.stage})`, { requestId: id });
      if (pending.step !== request.body.step) {
        throw new ApiError(409, 'WRONG_STAGE', `step ${request.body.step} is not waiting for a decision; ${pending.step} is`, { requestId: id, pending: pending.step });
      }
      try {
        const record = await decideBaselineStep(ctx.temporal, ctx.signer, { id, ...facts }, principal, { ...request.body, occurrence: pending.occurrence });
        request.log.info({ workflowId: id, decision: record.decision, step: record.step, decidedBy: principal.user }, 'baseline decision recorded');
        return { id, decision: record };
      } catch (err) {
        throw refusal(id, err);
      }
    },
  );
};

function refusal(id: string, err: unknown): unknown {
  if (err instanceof WorkflowNotFoundError) return new ApiError(409, 'REQUEST_CLOSED', `request ${id} has ended`);
  if (err instanceof NoTrustedSigningKeyError) return new ApiError(409, 'SIGNING_KEY_RETIRED', `${err.message}: put the key the request was started with back into VEND_DECISION_KEYS`);
  if (!(err instanceof WorkflowUpdateFailedError)) return err;
  const message = err.cause?.message ?? err.message;
  const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
  if (type === UpdateRefusal.DecisionNotAllowed) return new ApiError(403, 'DECISION_NOT_ALLOWED', message);
  if (type === UpdateRefusal.InvalidInput) return new ApiError(400, 'VALIDATION_FAILED', message);
  if (type === UpdateRefusal.SignatureInvalid) return new ApiError(409, 'SIGNATURE_REFUSED', message, { requestId: id });
  if (type === UpdateRefusal.AlreadyDecided) return new ApiError(409, 'ALREADY_DECIDED', message, { requestId: id });
  return new ApiError(409, 'WRONG_STAGE', message, { requestId: id });
}
