/**
 * The vending workflow's contract: its input, its messages (query, updates) and its result. Imported by the
 * workflow, the activities, the API and the CLI; it holds no implementation.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { AccountRequestSchema } from './request';
import { type VendingStage } from './stages';

export const VENDING_WORKFLOW_TYPE = 'vendAccount';

/** Roles a caller can hold (API tokens / OIDC claims). */
export const RoleSchema = z.enum(['requester', 'approver', 'operator']);
export type Role = z.infer<typeof RoleSchema>;

const durationMs = z.number().int().positive();

/** Per-request behaviour, fixed when the request starts (from the API's config) so replays see the same values. */
export const VendingPolicySchema = z.object({
  /**
   * How long one attempt of an AWS-facing activity may run before Temporal gives it to another worker: the time a
   * crashed worker's task is lost for. Generous for AWS's latency plus the SDK's own retries.
   */
  activityAttemptTimeoutMs: durationMs.default(60_000),
  /** How often the creation status is polled; the org-wide quota is enforced by the worker's rate-limited queue. */
  creationPollIntervalMs: durationMs.default(5_000),
  /** How long to wait for the account to become usable (ACTIVE and a role can be assumed). */
  readinessTimeoutMs: durationMs.default(30 * 60_000),
  readinessPollIntervalMs: durationMs.default(10_000),
  billingVerification: z
    .object({
      costExplorerProbe: z.boolean().default(true),
      cloudTrailLookup: z.boolean().default(true),
      /** An operator's statement that the org's Cost Explorer linked-account access is on (no API can read it). */
      operatorAttestation: z
        .object({ attestedBy: z.string().min(1), attestedAt: z.string().min(1), note: z.string().max(500).optional() })
        .optional(),
      /** Probe attempts before an unexplained Cost Explorer answer counts as inconclusive. */
      probeAttempts: z.number().int().min(1).max(20).default(3),
    })
    .prefault({}),
  decisionDeadlineMs: durationMs.default(7 * 24 * 3_600_000),
  decisionReminderIntervalMs: durationMs.default(24 * 3_600_000),
  rootWindowDeadlineMs: durationMs.default(4 * 3_600_000),
  /** How often CloudTrail is checked for the root user's SetIAMAccessPreference while the window is open. */
  rootWindowEvidencePollMs: durationMs.default(60_000),
  /** Who receives the root-window instructions: the owner of the account's root mailbox. */
  rootMailboxOwner: z.string().min(1).optional(),
});
export type VendingPolicy = z.infer<typeof VendingPolicySchema>;

export const VendingInputSchema = z.object({
  request: AccountRequestSchema,
  requester: z.string().min(1),
  requesterRoles: z.array(RoleSchema).default([]),
  requestedAt: z.string().min(1),
  policy: VendingPolicySchema.prefault({}),
});
export type VendingInput = z.infer<typeof VendingInputSchema>;
export type VendingInputArg = z.input<typeof VendingInputSchema>;

// ---- evidence and verdict -------------------------------------------------------------------------------------

export type BillingAccessVerdict = 'defaulted-on' | 'off' | 'inconclusive';

export interface EvidenceRecord {
  /** What was checked, e.g. `create-account-request`, `cost-explorer-probe`, `cloudtrail-lookup`, `operator-attestation`. */
  source: 'create-account-request' | 'cost-explorer-probe' | 'cloudtrail-lookup' | 'operator-attestation';
  checkedAt: string;
  /** What this piece of evidence says about linked-account billing access. */
  indicates: 'on' | 'off' | 'unknown';
  detail: string;
}

export interface BillingAccessAssessment {
  verdict: BillingAccessVerdict;
  evidence: EvidenceRecord[];
  decidedAt: string;
}

// ---- messages -------------------------------------------------------------------------------------------------

export const DecisionSchema = z.object({
  decision: z.enum(['approve-remediation', 'attest-enabled', 'reject']),
  reason: z.string().trim().min(1, 'a reason is required').max(1000),
  decidedBy: z.string().min(1),
  roles: z.array(RoleSchema),
});
export type DecisionInput = z.infer<typeof DecisionSchema>;
export interface DecisionRecord extends DecisionInput {
  decidedAt: string;
}

export const RemediationConfirmationSchema = z.object({
  confirmedBy: z.string().min(1),
  note: z.string().max(1000).default(''),
});
export type RemediationConfirmation = z.input<typeof RemediationConfirmationSchema>;

export interface StageEntry {
  stage: VendingStage;
  enteredAt: string;
  note?: string;
}

export interface RootCredentialAudit {
  auditedAt: string;
  passwordPresent: boolean;
  mfaDevices: number;
  accessKeys: number;
  signingCertificates: number;
}

export interface RootWindowRecord {
  openedAt?: string;
  closedAt?: string;
  /** Why the window closed: confirmed, cloudtrail-evidence, deadline, cancelled, failure. */
  closedBecause?: string;
  preAudit?: RootCredentialAudit;
  postAudit?: RootCredentialAudit;
  confirmedBy?: string;
}

export interface VendingStatus {
  stage: VendingStage;
  accountName: string;
  requester: string;
  organizationalUnit: string;
  accountId?: string;
  createAccountRequestId?: string;
  billingAccess?: BillingAccessAssessment;
  pendingDecision?: { since: string; deadline: string; remindersSent: number };
  decision?: DecisionRecord;
  rootWindow?: RootWindowRecord;
  failure?: { message: string; type?: string };
  timeline: StageEntry[];
}

export type VendingResult = VendingStatus;

/** Failure types of the update validators' refusals, so that clients map them without reading the message. */
export const UpdateRefusal = {
  /** The caller may not decide (no approver role, or the requester). */
  DecisionNotAllowed: 'DecisionNotAllowed',
  /** The request is not at the stage the update needs. */
  WrongStage: 'WrongStage',
  /** The update's input is malformed. */
  InvalidInput: 'InvalidInput',
} as const;

export const statusQuery = defineQuery<VendingStatus>('status');
export const decideUpdate = defineUpdate<DecisionRecord, [DecisionInput]>('decide');
export const confirmRemediationUpdate = defineUpdate<RootWindowRecord, [RemediationConfirmation]>('confirmRemediation');
