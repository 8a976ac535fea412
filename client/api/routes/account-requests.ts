/** /v1/account-requests: ask for an account, read a request. */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountRequestSchema } from '../../../contract/request';
import { REQUEST_ID_PATTERN } from '../../../contract/request-id';
import { VENDING_STAGES } from '../../../contract/stages';
import { type VendingPolicy } from '../../../contract/vending';
import { readRequest, startVending } from '../../temporal';
import { type Principal } from '../auth';
import { ApiError, ErrorBodySchema } from '../errors';

export interface AccountRequestRoutesOptions {
  temporal: Client;
  taskQueue: string;
  policy: Partial<VendingPolicy>;
  authenticate: (authorization: string | undefined) => Promise<Principal>;
}

const RequestIdParams = z.object({ id: z.string().regex(REQUEST_ID_PATTERN, 'not a request id (vend-<24 hex>)') });
const StageSchema = z.enum(VENDING_STAGES);

const RequestViewSchema = z.object({
  id: z.string(),
  stage: StageSchema,
  requester: z.string().optional(),
  accountId: z.string().optional(),
  execution: z.string(),
  billingAccess: z.unknown().optional(),
  pendingDecision: z.unknown().optional(),
  decision: z.unknown().optional(),
  rootWindow: z.unknown().optional(),
  failure: z.unknown().optional(),
  timeline: z.array(z.object({ stage: StageSchema, enteredAt: z.string(), note: z.string().optional() })),
});

export const accountRequestRoutes: FastifyPluginAsyncZod<AccountRequestRoutesOptions> = async (app, opts) => {
  const links = (id: string) => ({ self: `/v1/account-requests/${id}` });

  app.post(
    '/v1/account-requests',
    {
      schema: {
        summary: 'Request a new AWS member account',
        body: AccountRequestSchema,
        headers: z.object({ authorization: z.string().optional() }).loose(),
        response: {
          202: z.object({ id: z.string(), stage: StageSchema, links: z.object({ self: z.string() }) }),
          400: ErrorBodySchema,
          401: ErrorBodySchema,
          403: ErrorBodySchema,
          409: ErrorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const principal = await opts.authenticate(request.headers.authorization);
      if (!principal.roles.includes('requester')) {
        throw new ApiError(403, 'FORBIDDEN', `${principal.user} does not hold the requester role`);
      }
      const outcome = await startVending(opts.temporal, {
        request: request.body,
        requester: principal.user,
        requesterRoles: principal.roles,
        policy: opts.policy,
        taskQueue: opts.taskQueue,
      });
      if (!outcome.started) {
        throw new ApiError(409, 'EMAIL_ALREADY_REQUESTED', `this email already has a live or completed request: ${outcome.id}`, {
          requestId: outcome.id,
          links: links(outcome.id),
        });
      }
      request.log.info({ workflowId: outcome.id, requester: principal.user }, 'vending request started');
      return reply.status(202).send({ id: outcome.id, stage: 'preflight', links: links(outcome.id) });
    },
  );

  app.get(
    '/v1/account-requests/:id',
    {
      schema: {
        summary: "A request's stage, account id, billing-access verdict and timeline",
        params: RequestIdParams,
        response: { 200: RequestViewSchema, 401: ErrorBodySchema, 404: ErrorBodySchema },
      },
    },
    async (request) => {
      await opts.authenticate(request.headers.authorization);
      try {
        const view = await readRequest(opts.temporal.workflow.getHandle(request.params.id));
        return {
          id: view.id,
          stage: view.stage,
          requester: view.requester,
          accountId: view.accountId,
          execution: view.execution,
          billingAccess: view.status?.billingAccess,
          pendingDecision: view.status?.pendingDecision,
          decision: view.status?.decision,
          rootWindow: view.status?.rootWindow,
          failure: view.status?.failure,
          timeline: view.status?.timeline ?? [],
        };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'REQUEST_NOT_FOUND', `no request ${request.params.id}`);
        throw err;
      }
    },
  );
};
