/** The shapes the /v1/account-requests routes take and return, shared by the routes and the OpenAPI document. */
import { z } from 'zod';
import { REQUEST_ID_PATTERN } from '../../../contract/request-id';
import { VENDING_STAGES } from '../../../contract/stages';
import { DecisionRecordSchema as ContractDecisionRecordSchema, RootWindowRecordSchema, VendingStatusSchema } from '../../../contract/vending';
import { USER_ID_PATTERN } from '../auth';

export const StageSchema = z.enum(VENDING_STAGES);

export const RequestIdParams = z.object({ id: z.string().regex(REQUEST_ID_PATTERN, 'not a request id (vend-<24 hex>)') });

export const LinksSchema = z.object({
  self: z.string(),
  decision: z.string(),
  remediationConfirmation: z.string(),
  cancel: z.string(),
});

export const links = (id: string): z.infer<typeof LinksSchema> => ({
  self: `/v1/account-requests/${id}`,
  decision: `/v1/account-requests/${id}/decision`,
  remediationConfirmation: `/v1/account-requests/${id}/remediation-confirmation`,
  cancel: `/v1/account-requests/${id}/cancel`,
});

export const RequestRefSchema = z.object({ id: z.string(), stage: StageSchema, links: LinksSchema });

/** The root window and the decision, as the workflow records them (contract/vending.ts). */
export const RootWindowSchema = RootWindowRecordSchema;
export const DecisionRecordSchema = ContractDecisionRecordSchema;

export const GuardianFindingSchema = z.object({
  alarm: z.string(),
  accountId: z.string().optional(),
  workflowId: z.string(),
  execution: z.string(),
  at: z.string(),
});

/** GET /v1/account-requests/{id}: the workflow's own status (contract/vending.ts), with what only Temporal knows. */
export const RequestViewSchema = VendingStatusSchema.pick({
  stage: true,
  billingAccess: true,
  pendingDecision: true,
  decision: true,
  rootWindow: true,
  failure: true,
  alarms: true,
  baseline: true,
  timeline: true,
}).extend({
  id: z.string(),
  requester: z.string().optional(),
  accountId: z.string().optional(),
  /** Temporal's own view of the run: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, ... */
  execution: z.string(),
  /** What the root-window guardian found about this request (runs that ended with a window open, an orphaned account, a re-audit). */
  guardianFindings: z.array(GuardianFindingSchema),
  links: LinksSchema,
});
export type RequestView = z.infer<typeof RequestViewSchema>;

export const RequestSummarySchema = z.object({
  id: z.string(),
  stage: StageSchema,
  requester: z.string().optional(),
  accountId: z.string().optional(),
  billingAccessVerdict: z.string().optional(),
  execution: z.string(),
  startedAt: z.string(),
  closedAt: z.string().optional(),
});

/** Temporal's page token, base64url; a token Temporal does not recognise is a 400 too. */
export const PageTokenSchema = z.string().max(4096).regex(/^[A-Za-z0-9_-]+$/, 'not a page token from a previous answer');

export const ListQuerySchema = z
  .object({
    stage: StageSchema.optional(),
    requester: z.string().regex(USER_ID_PATTERN, 'a user id: letters, digits and . _ @ + | : -').optional(),
    pageSize: z.coerce.number().int().min(1).max(100).default(25),
    pageToken: PageTokenSchema.optional(),
  })
  .strict();
