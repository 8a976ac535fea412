/** The shapes the /v1/account-requests routes take and return, shared by the routes and the OpenAPI document. */
import { z } from 'zod';
import { REQUEST_ID_PATTERN } from '../../../contract/request-id';
import { VENDING_STAGES } from '../../../contract/stages';
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

const EvidenceSchema = z.object({
  source: z.string(),
  checkedAt: z.string(),
  indicates: z.enum(['on', 'off', 'unknown']),
  detail: z.string(),
});

const RootAuditSchema = z.object({
  auditedAt: z.string(),
  passwordPresent: z.boolean(),
  loginProfile: z.boolean().optional(),
  mfaDevices: z.number(),
  accessKeys: z.number(),
  signingCertificates: z.number(),
});

export const RootWindowSchema = z.object({
  openedAt: z.string().optional(),
  closedAt: z.string().optional(),
  closedBecause: z.string().optional(),
  preAudit: RootAuditSchema.optional(),
  postAudit: RootAuditSchema.optional(),
  deletionRefused: z.array(z.string()).optional(),
  confirmedBy: z.string().optional(),
  confirmedAt: z.string().optional(),
  confirmationCheck: z.string().optional(),
});

export const DecisionRecordSchema = z.object({
  decision: z.enum(['approve-remediation', 'attest-enabled', 'reject']),
  reason: z.string(),
  decidedBy: z.string(),
  decidedAt: z.string(),
});

export const RequestViewSchema = z.object({
  id: z.string(),
  stage: StageSchema,
  requester: z.string().optional(),
  accountId: z.string().optional(),
  /** Temporal's own view of the run: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, ... */
  execution: z.string(),
  billingAccess: z
    .object({ verdict: z.enum(['defaulted-on', 'off', 'inconclusive']), evidence: z.array(EvidenceSchema), decidedAt: z.string().optional() })
    .optional(),
  pendingDecision: z.object({ since: z.string(), deadline: z.string(), remindersSent: z.number() }).optional(),
  decision: DecisionRecordSchema.optional(),
  rootWindow: RootWindowSchema.optional(),
  failure: z.object({ message: z.string(), type: z.string().optional() }).optional(),
  /** Operator alarms this request raised (root credentials remain, ...); also its SafetyAlarm search attribute. */
  alarms: z.array(z.string()).optional(),
  /** What the root-window guardian found about this request (runs that ended with a window open, an orphaned account, a re-audit). */
  /** The day-1 baseline: the blueprint, each step's state and outcome, and the step waiting for an operator. */
  baseline: z
    .object({
      blueprint: z.object({ name: z.string(), version: z.number() }),
      steps: z.array(
        z.object({
          step: z.string(),
          state: z.enum(['pending', 'running', 'done', 'failed', 'skipped']),
          outcome: z.string().optional(),
          runs: z.number(),
          failure: z.object({ message: z.string(), type: z.string().optional() }).optional(),
          decidedBy: z.string().optional(),
        }),
      ),
      pending: z.object({ step: z.string(), occurrence: z.number(), since: z.string(), deadline: z.string() }).optional(),
    })
    .optional(),
  guardianFindings: z.array(
    z.object({ alarm: z.string(), accountId: z.string().optional(), workflowId: z.string(), execution: z.string(), at: z.string() }),
  ),
  timeline: z.array(z.object({ stage: StageSchema, enteredAt: z.string(), note: z.string().optional() })),
  links: LinksSchema,
});

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
