/**
 * The vending workflow's contract: its input, its messages (query, updates) and its result. Imported by the
 * workflow, the activities, the API and the CLI; it holds no implementation.
 *
 * The input is read by the workflow on every replay, for the life of the request (days), so what the workflow checks
 * here is the SHAPE only and unknown fields pass: the content rules (AWS's limits, text safety, policy bounds) are
 * the API's, at acceptance (contract/request.ts, contract/policy.ts). A rule tightened later therefore never makes an
 * old history fail to replay.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { BaselineInputShape, BaselineStatusSchema } from './baseline';
import { type ActSignature } from './decision-signature';
import { VendingPolicyShape, type VendingPolicy } from './policy';
import { noteText } from './text';
import { VENDING_STAGES } from './stages';

export type { VendingPolicy } from './policy';

export const VENDING_WORKFLOW_TYPE = 'vendAccount';

/** Roles a caller can hold (API tokens / OIDC claims). */
export const RoleSchema = z.enum(['requester', 'approver', 'operator']);
export type Role = z.infer<typeof RoleSchema>;

// ---- input ------------------------------------------------------------------------------------------------------

const ContactShape = z.looseObject({ name: z.string(), title: z.string(), email: z.string(), phone: z.string() });

/** The account request as the workflow reads it (validated by contract/request.ts when it was accepted). */
export const AccountRequestShape = z.looseObject({
  accountName: z.string().min(1),
  email: z.string().min(1),
  organizationalUnit: z.string().min(1),
  tags: z.record(z.string(), z.string()).optional(),
  alternateContacts: z
    .looseObject({ billing: ContactShape.optional(), operations: ContactShape.optional(), security: ContactShape.optional() })
    .optional(),
  justification: z.string().optional(),
});

/** Bumped when the input's meaning changes; the workflow reads every version it ever accepted. */
export const VENDING_INPUT_VERSION = 2;

export const VendingInputSchema = z.looseObject({
  inputVersion: z.literal(VENDING_INPUT_VERSION),
  request: AccountRequestShape,
  requester: z.string().min(1),
  requesterRoles: z.array(z.string()),
  requestedAt: z.string().min(1),
  /** Complete: every default was applied where the request was accepted. */
  policy: VendingPolicyShape,
  /** Public keys (hex) by key id: the request accepts human decisions signed by these only. */
  decisionKeys: z.record(z.string(), z.string()),
  /** The day-1 baseline: the blueprint resolved to its content at acceptance (absent: none). */
  baseline: BaselineInputShape.optional(),
});
export type VendingInput = z.infer<typeof VendingInputSchema>;

/**
 * Requests accepted before input version 2 carried a partial policy, completed inside the workflow with the values
 * below. FROZEN: they are what those requests were started with; never edit them. The fields added in version 2 get
 * values that keep those requests' behaviour sensible; they have no signing keys (their decisions were never signed).
 */
const LEGACY_V1_POLICY: VendingPolicy = {
  activityAttemptTimeoutMs: 60_000,
  creationPollIntervalMs: 5_000,
  readinessTimeoutMs: 30 * 60_000,
  readinessPollIntervalMs: 10_000,
  billingVerification: { costExplorerProbe: true, cloudTrailLookup: true, probeAttempts: 3 },
  decisionDeadlineMs: 7 * 24 * 3_600_000,
  decisionReminderIntervalMs: 24 * 3_600_000,
  rootWindowDeadlineMs: 4 * 3_600_000,
  rootWindowEvidencePollMs: 60_000,
  creationSlotWaitMs: 5 * 60_000,
  creationRetryPauseMs: 60_000,
  creationRefusalBackoffMs: 60_000,
  confirmationRecheckMs: 15 * 60_000,
};

const LegacyV1InputSchema = z.looseObject({
  request: AccountRequestShape,
  requester: z.string().min(1),
  requesterRoles: z.array(z.string()).optional(),
  requestedAt: z.string().min(1),
  policy: z.looseObject({ billingVerification: z.looseObject({}).optional() }).optional(),
});

/** The input of any version as the current workflow reads it; a message naming the problem when it is not one. */
export function readVendingInput(raw: unknown): { input: VendingInput } | { problem: string } {
  const version = typeof raw === 'object' && raw !== null ? (raw as { inputVersion?: unknown }).inputVersion : undefined;
  if (version === VENDING_INPUT_VERSION) {
    const parsed = VendingInputSchema.safeParse(raw);
    return parsed.success ? { input: parsed.data } : { problem: describeIssues(parsed.error.issues) };
  }
  if (version !== undefined) return { problem: `inputVersion ${String(version)} is not one this workflow code knows` };
  const legacy = LegacyV1InputSchema.safeParse(raw);
  if (!legacy.success) return { problem: describeIssues(legacy.error.issues) };
  const given = (legacy.data.policy ?? {}) as Partial<VendingPolicy>;
  const policy = VendingPolicyShape.safeParse({
    ...LEGACY_V1_POLICY,
    ...given,
    billingVerification: { ...LEGACY_V1_POLICY.billingVerification, ...(given.billingVerification ?? {}) },
  });
  if (!policy.success) return { problem: describeIssues(policy.error.issues) };
  return {
    input: {
      ...legacy.data,
      inputVersion: VENDING_INPUT_VERSION,
      requesterRoles: legacy.data.requesterRoles ?? [],
      policy: policy.data,
      decisionKeys: {},
    },
  };
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`).join('; ');
}

/** Signing applies to requests whose input carries keys (every request accepted from version 2 on). */
export function requiresSignedDecisions(input: VendingInput): boolean {
  return Object.keys(input.decisionKeys).length > 0;
}

// ---- evidence and verdict -------------------------------------------------------------------------------------

export const BILLING_ACCESS_VERDICTS = ['defaulted-on', 'off', 'inconclusive'] as const;
export type BillingAccessVerdict = (typeof BILLING_ACCESS_VERDICTS)[number];

export const EVIDENCE_SOURCES = ['create-account-request', 'cost-explorer-probe', 'cloudtrail-lookup', 'operator-attestation'] as const;

export const EvidenceRecordSchema = z.object({
  /** What was checked. */
  source: z.enum(EVIDENCE_SOURCES),
  checkedAt: z.string(),
  /** What this piece of evidence says about linked-account billing access. */
  indicates: z.enum(['on', 'off', 'unknown']),
  detail: z.string(),
});
export type EvidenceRecord = z.infer<typeof EvidenceRecordSchema>;

export const BillingAccessAssessmentSchema = z.object({
  verdict: z.enum(BILLING_ACCESS_VERDICTS),
  evidence: z.array(EvidenceRecordSchema),
  decidedAt: z.string(),
});
export type BillingAccessAssessment = z.infer<typeof BillingAccessAssessmentSchema>;

// ---- messages -------------------------------------------------------------------------------------------------

export const DECISIONS = ['approve-remediation', 'attest-enabled', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];

/** What the `decide` update carries: the decision, who made it (as the API authenticated them), and its signature. */
export const DecisionSchema = z.looseObject({
  decision: z.enum(DECISIONS),
  // Checked by the update validator only (never on replay): a rule tightened later cannot break an old history.
  reason: noteText(z.string().trim().min(1, 'a reason is required').max(1000)),
  decidedBy: z.string().min(1),
  roles: z.array(RoleSchema),
  /** When the API signed it (ISO 8601); with keyId and signature: see contract/decision-signature.ts. */
  signedAt: z.string().optional(),
  keyId: z.string().optional(),
  signature: z.string().optional(),
});
export type DecisionInput = z.infer<typeof DecisionSchema>;
export const DecisionRecordSchema = z.object({
  decision: z.enum(DECISIONS),
  reason: z.string(),
  decidedBy: z.string(),
  roles: z.array(RoleSchema),
  decidedAt: z.string(),
});
export type DecisionRecord = z.infer<typeof DecisionRecordSchema>;

export const RemediationConfirmationSchema = z.looseObject({
  confirmedBy: z.string().min(1),
  note: noteText(z.string().max(1000)).default(''),
  roles: z.array(RoleSchema).optional(),
  signedAt: z.string().optional(),
  keyId: z.string().optional(),
  signature: z.string().optional(),
});
export type RemediationConfirmation = z.input<typeof RemediationConfirmationSchema>;

/** The signed act behind a decision or a confirmation, as both the API and the workflow rebuild it. */
export function decisionAct(requestId: string, runId: string, d: Pick<DecisionInput, 'decision' | 'reason' | 'decidedBy' | 'roles'> & { signedAt?: string }) {
  return { requestId, runId, action: 'decide', decision: d.decision, reason: d.reason, actor: d.decidedBy, roles: d.roles, signedAt: d.signedAt ?? '' };
}
export function confirmationAct(requestId: string, runId: string, c: { confirmedBy: string; note?: string; roles?: readonly string[]; signedAt?: string }) {
  return { requestId, runId, action: 'confirm-remediation', decision: 'confirm', reason: c.note ?? '', actor: c.confirmedBy, roles: c.roles ?? [], signedAt: c.signedAt ?? '' };
}
export type SignatureFields = Partial<ActSignature> & { signedAt?: string };

export const StageEntrySchema = z.object({
  stage: z.enum(VENDING_STAGES),
  enteredAt: z.string(),
  note: z.string().optional(),
});
export type StageEntry = z.infer<typeof StageEntrySchema>;

export const RootCredentialAuditSchema = z.object({
  auditedAt: z.string(),
  passwordPresent: z.boolean(),
  /** A root login profile exists (password recovery allowed, or a password set), whether or not a password is. */
  loginProfile: z.boolean().optional(),
  mfaDevices: z.number(),
  accessKeys: z.number(),
  signingCertificates: z.number(),
});
export type RootCredentialAudit = z.infer<typeof RootCredentialAuditSchema>;

/** What remains on an audited root user, in words; empty when nothing does. */
export function remainingRootCredentials(audit: RootCredentialAudit): string[] {
  return [
    audit.passwordPresent ? 'a password' : '',
    audit.loginProfile && !audit.passwordPresent ? 'a login profile (password recovery allowed)' : '',
    audit.mfaDevices ? `${audit.mfaDevices} MFA device(s)` : '',
    audit.accessKeys ? `${audit.accessKeys} access key(s)` : '',
    audit.signingCertificates ? `${audit.signingCertificates} signing certificate(s)` : '',
  ].filter(Boolean);
}

export const RootWindowRecordSchema = z.object({
  openedAt: z.string().optional(),
  closedAt: z.string().optional(),
  /** Why the window closed: confirmed, cloudtrail-evidence, deadline, cancelled, failure. */
  closedBecause: z.string().optional(),
  preAudit: RootCredentialAuditSchema.optional(),
  postAudit: RootCredentialAuditSchema.optional(),
  /** Deletions AWS refused while closing (an SCP, say): each one an operator alarm. */
  deletionRefused: z.array(z.string()).optional(),
  confirmedBy: z.string().optional(),
  confirmedAt: z.string().optional(),
  /** What the re-check after the confirmation found. */
  confirmationCheck: z.string().optional(),
});
export type RootWindowRecord = z.infer<typeof RootWindowRecordSchema>;

export const PendingDecisionSchema = z.object({ since: z.string(), deadline: z.string(), remindersSent: z.number() });

export const RequestFailureSchema = z.object({ message: z.string(), type: z.string().optional() });

/** A request as the `status` query and the result show it; the API's GET answer is built from these same schemas. */
export const VendingStatusSchema = z.object({
  stage: z.enum(VENDING_STAGES),
  accountName: z.string(),
  requester: z.string(),
  organizationalUnit: z.string(),
  accountId: z.string().optional(),
  createAccountRequestId: z.string().optional(),
  billingAccess: BillingAccessAssessmentSchema.optional(),
  pendingDecision: PendingDecisionSchema.optional(),
  decision: DecisionRecordSchema.optional(),
  rootWindow: RootWindowRecordSchema.optional(),
  failure: RequestFailureSchema.optional(),
  /** Safety alarms raised to operators (also the SafetyAlarm search attribute). */
  alarms: z.array(z.string()).optional(),
  /** The day-1 baseline's steps and their outcomes, when the request has a blueprint. */
  baseline: BaselineStatusSchema.optional(),
  timeline: z.array(StageEntrySchema),
});
export type VendingStatus = z.infer<typeof VendingStatusSchema>;

export type VendingResult = VendingStatus;

/** Failure types of the update validators' refusals, so that clients map them without reading the message. */
export const UpdateRefusal = {
  /** The caller may not decide (no approver role, or the requester). */
  DecisionNotAllowed: 'DecisionNotAllowed',
  /** The request is not at the stage the update needs. */
  WrongStage: 'WrongStage',
  /** A decision (or a confirmation being checked) is already recorded: each is made once. */
  AlreadyDecided: 'AlreadyDecided',
  /** The update is not signed by the request API with a key the request trusts. */
  SignatureInvalid: 'SignatureInvalid',
  /** The update's input is malformed. */
  InvalidInput: 'InvalidInput',
} as const;

export const statusQuery = defineQuery<VendingStatus>('status');
export const decideUpdate = defineUpdate<DecisionRecord, [DecisionInput]>('decide');
export const confirmRemediationUpdate = defineUpdate<RootWindowRecord, [RemediationConfirmation]>('confirmRemediation');
