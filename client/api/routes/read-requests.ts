/**
 * GET /v1/account-requests/{id} (the workflow's status query) and GET /v1/account-requests (visibility).
 * Who reads what: approvers and operators every request; a requester only their own. Someone else's request is a
 * 404 for a requester, exactly as a missing one, so its existence does not leak; their list holds their own only.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountEmailSchema } from '../../../contract/request';
import { listRequests, readRequest, visibilityString } from '../../temporal';
import { ApiError, errorResponses } from '../errors';
import { decodePageToken, encodePageToken } from '../page-token';
import { principalOf, readsEveryRequest, type RouteContext } from './context';
import { links, ListQuerySchema, RequestIdParams, RequestSummarySchema, RequestViewSchema } from './schemas';

/** The list's filters: the shared ones, and the account email (matched through its AccountEmail search value). */
const ListRequestsQuerySchema = ListQuerySchema.extend({ email: AccountEmailSchema.optional() });

export const readRequestsRoutes: FastifyPluginAsyncZod<RouteContext> = async (app, ctx) => {
  app.get(
    '/v1/account-requests/:id',
    {
      schema: {
        summary: "A request's stage, account id, billing-access verdict and evidence, pending decision, root window and timeline",
        description:
          'Approvers and operators read every request; a requester reads their own only. Another requester\'s request ' +
          'answers 404 REQUEST_NOT_FOUND, the same as a request that does not exist.',
        tags: ['account requests'],
        params: RequestIdParams,
        response: { 200: RequestViewSchema, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const mayRead = (requester: string | undefined) => readsEveryRequest(principal) || requester === principal.user;
      try {
        const view = await readRequest(ctx.temporal.workflow.getHandle(id), ctx.temporal, mayRead);
        if (!view) throw new ApiError(404, 'REQUEST_NOT_FOUND', `no request ${id}`);
        const status = view.status;
        return {
          id: view.id,
          stage: view.stage,
          requester: view.requester,
          accountId: view.accountId,
          execution: view.execution,
          billingAccess: status?.billingAccess,
          pendingDecision: status?.pendingDecision,
          decision: status?.decision,
          rootWindow: status?.rootWindow,
          failure: status?.failure,
          alarms: status?.alarms,
          baseline: status?.baseline,
          guardianFindings: await ctx.guardianFindings.forRequest(view.id, view.accountId),
          timeline: status?.timeline ?? [],
          links: links(view.id),
        };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'REQUEST_NOT_FOUND', `no request ${id}`);
        throw err;
      }
    },
  );

  app.get(
    '/v1/account-requests',
    {
      schema: {
        summary: 'Requests, newest first, filtered by stage, requester and account email; page with nextPageToken',
        description:
          'Approvers and operators list every request. A requester lists their own only: the list is filtered to them, ' +
          'and a requester filter naming someone else answers 403.',
        tags: ['account requests'],
        querystring: ListRequestsQuerySchema,
        response: {
          200: z.object({ items: z.array(RequestSummarySchema), nextPageToken: z.string().optional() }),
          ...errorResponses(400, 401, 403, 429, 503),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { stage, email, pageSize, pageToken } = request.query;
      let requester = request.query.requester;
      if (!readsEveryRequest(principal)) {
        if (requester !== undefined && requester !== principal.user) {
          throw new ApiError(403, 'FORBIDDEN', `${principal.user} may list their own requests only (requester=${principal.user} or no requester filter)`);
        }
        requester = principal.user;
      }
      // The email as visibility holds it (with encryption on, its keyed hash); only that goes into the query.
      const emailValue = email === undefined ? undefined : ctx.temporal.emailSearchValue(email);
      if (emailValue !== undefined && !isQueryable(emailValue)) {
        throw new ApiError(400, 'VALIDATION_FAILED', 'the request is invalid', [
          { field: 'querystring.email', message: 'this address cannot be searched for (characters outside letters, digits and . _ @ + -)' },
        ]);
      }
      const filters = JSON.stringify([stage ?? null, requester ?? null, ...(emailValue === undefined ? [] : [emailValue])]);
      const temporalToken = pageToken === undefined ? undefined : decodePageToken(pageToken, filters);
      if (pageToken !== undefined && !temporalToken) throw invalidPageToken();
      try {
        const page = await listRequests(ctx.temporal, { taskQueue: ctx.taskQueue, stage, requester, email, pageSize, pageToken: temporalToken });
        return { items: page.items, nextPageToken: page.nextPageToken && encodePageToken(page.nextPageToken, filters) };
      } catch (err) {
        // A well-formed token Temporal still refuses (INVALID_ARGUMENT, or UNKNOWN from its decoder): the caller's.
        const code = (err as { code?: unknown }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
        if (temporalToken && (code === 2 || code === 3)) throw invalidPageToken();
        throw err;
      }
    },
  );
};

function isQueryable(value: string): boolean {
  try {
    visibilityString(value);
    return true;
  } catch {
    return false;
  }
}

function invalidPageToken(): ApiError {
  return new ApiError(400, 'INVALID_PAGE_TOKEN', 'pageToken is not one this API handed out for these filters', [
    { field: 'querystring.pageToken', message: 'not a token from a previous answer with the same filters' },
  ]);
}
