/** The shapes the /v1/closure-requests routes take and return, shared by the routes and the OpenAPI document. */
import { z } from 'zod';
import { ACCOUNT_ID_PATTERN, CLOSURE_DECISIONS, CLOSURE_ID_PATTERN } from '../../../contract/closure';
import { CLOSURE_STAGES } from '../../../contract/stages';
import { noteText } from '../../../contract/text';
import { USER_ID_PATTERN } from '../auth';
import { PageTokenSchema } from './schemas';

export const ClosureStageSchema = z.enum(CLOSURE_STAGES);

export const AccountIdSchema = z.string().regex(ACCOUNT_ID_PATTERN, 'an AWS account id: 12 digits');

const ReasonSchema = noteText(z.string().trim().min(1, 'a reason is required').max(1000));

export const NewClosureRequestSchema = z
  .object({
    accountId: AccountIdSchema,
    reason: ReasonSchema,
    /** An operator closes an account this engine did not vend: say so explicitly. */
    adopt: z.boolean().optional(),
  })
  .strict();

export const ClosureDecisionBodySchema = z.object({ decision: z.enum(CLOSURE_DECISIONS), reason: ReasonSchema }).strict();
export const ClosureCancelBodySchema = z.object({ reason: ReasonSchema }).strict();

export const ClosureIdParams = z.object({ id: z.string().regex(CLOSURE_ID_PATTERN, 'not a closure id (close-<12-digit account id>)') });

export const ClosureLinksSchema = z.object({ self: z.string(), decision: z.string(), cancel: z.string() });

export const closureLinks = (id: string): z.infer<typeof ClosureLinksSchema> => ({
  self: `/v1/closure-requests/${id}`,
  decision: `/v1/closure-requests/${id}/decision`,
  cancel: `/v1/closure-requests/${id}/cancel`,
});

export const ClosureRefSchema = z.object({ id: z.string(), stage: ClosureStageSchema, accountId: z.string(), links: ClosureLinksSchema });

export const ClosureDecisionRecordSchema = z.object({
  decision: z.enum(CLOSURE_DECISIONS),
  reason: z.string(),
  decidedBy: z.string(),
  decidedAt: z.string(),
});

export const ClosureViewSchema = z.object({
  id: z.string(),
  stage: ClosureStageSchema,
  accountId: z.string().optional(),
  accountName: z.string().optional(),
  requester: z.string().optional(),
  /** Who asked for the account (the vending request's requester). */
  owner: z.string().optional(),
  adopted: z.boolean().optional(),
  reason: z.string().optional(),
  /** Temporal's own view of the run: RUNNING, COMPLETED, FAILED, ... */
  execution: z.string(),
  pendingDecision: z.object({ since: z.string(), deadline: z.string(), remindersSent: z.number() }).optional(),
  decision: ClosureDecisionRecordSchema.optional(),
  quarantine: z
    .object({
      sourceParentId: z.string(),
      quarantineParentId: z.string(),
      attachedPolicyId: z.string().optional(),
      policiesBefore: z.array(z.string()),
      quarantinedAt: z.string().optional(),
      graceEndsAt: z.string().optional(),
      restoredAt: z.string().optional(),
    })
    .optional(),
  closure: z
    .object({
      slotAskedAt: z.string().optional(),
      slotGrantedAt: z.string().optional(),
      closeRequestedAt: z.string().optional(),
      awsState: z.string().optional(),
      suspendedAt: z.string().optional(),
      reopenWindowEndsAt: z.string().optional(),
      reopenReminderSentAt: z.string().optional(),
      refusals: z.number().optional(),
    })
    .optional(),
  /** While the closure waits for a slot: its place in the organization's line and when its turn is expected. */
  slot: z
    .object({
      position: z.number(),
      expectedAt: z.string().optional(),
      waitingFor: z.enum(['quota', 'in-progress-limit', 'close-rate', 'aws-refusal']),
    })
    .optional(),
  cancellation: z.object({ cancelledBy: z.string(), reason: z.string(), cancelledAt: z.string(), stage: z.string() }).optional(),
  failure: z.object({ message: z.string(), type: z.string().optional() }).optional(),
  timeline: z.array(z.object({ stage: ClosureStageSchema, enteredAt: z.string(), note: z.string().optional() })),
  links: ClosureLinksSchema,
});

export const ClosureSummarySchema = z.object({
  id: z.string(),
  stage: ClosureStageSchema,
  accountId: z.string().optional(),
  requester: z.string().optional(),
  execution: z.string(),
  startedAt: z.string(),
  closedAt: z.string().optional(),
});

export const ClosureListQuerySchema = z
  .object({
    stage: ClosureStageSchema.optional(),
    requester: z.string().regex(USER_ID_PATTERN, 'a user id: letters, digits and . _ @ + | : -').optional(),
    accountId: AccountIdSchema.optional(),
    pageSize: z.coerce.number().int().min(1).max(100).default(25),
    pageToken: PageTokenSchema.optional(),
  })
  .strict();
