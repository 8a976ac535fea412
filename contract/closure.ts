/**
 * The account-closure workflow's contract: its id, its input, its messages (query, updates) and its status. Imported
 * by the workflow, the activities, the API and the CLI; it holds no implementation.
 *
 * One closure per account at a time: the workflow id derives from the account id. As with the vending input, the
 * workflow checks the SHAPE of its input only and reads every version it ever accepted; the content rules (who may
 * ask, which accounts may be closed, the policy's bounds) are the API's, at acceptance.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { ClosurePolicyShape } from './closure-policy';
import { type ClosureStage } from './stages';
import { noteText } from './text';

export type { ClosurePolicy } from './closure-policy';

export const CLOSURE_WORKFLOW_TYPE = 'closeAccount';

/** AWS account ids are 12 digits. */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const CLOSURE_ID_PATTERN = /^close-\d{12}$/;

/** The workflow id of the closure of this account: one live closure per account, and a retried POST finds it. */
export function closureIdForAccount(accountId: string): string {
  return `close-${accountId}`;
}

export function accountIdOfClosure(closureId: string): string {
  return closureId.slice('close-'.length);
}

// ---- input ----------------------------------------------------------------------------------------------------------

export const CLOSURE_INPUT_VERSION = 1;

export const ClosureInputSchema = z.looseObject({
  inputVersion: z.literal(CLOSURE_INPUT_VERSION),
  accountId: z.string().min(1),
  /** For people: notifications and the Web UI name the account. */
  accountName: z.string().optional(),
  reason: z.string(),
  requester: z.string().min(1),
  requesterRoles: z.array(z.string()),
  requestedAt: z.string().min(1),
  /** The requester of the vending request that created the account (notified of what happens to it). */
  owner: z.string().optional(),
  /** The vending request that created the account; absent for an account an operator adopted. */
  vendingRequestId: z.string().optional(),
  /** An operator asked to close an account this engine did not vend. */
  adopted: z.boolean(),
  /** Resolved at acceptance: the OU the account waits in (its id), and the deny-all SCP to attach there, if any. */
  quarantine: z.looseObject({ organizationalUnitId: z.string().min(1), denyAllPolicyId: z.string().optional() }),
  /** OU ids (with every OU below them) whose accounts are never closed; preflight checks the account's place again. */
  protectedOrganizationalUnitIds: z.array(z.string()),
  /** Complete: every default was applied where the closure was accepted. */
  policy: ClosurePolicyShape,
  /** Public keys (hex) by key id: the closure accepts human decisions signed by these only. */
  decisionKeys: z.record(z.string(), z.string()),
});
export type ClosureInput = z.infer<typeof ClosureInputSchema>;

/** The input of any version as the current workflow reads it; a message naming the problem when it is not one. */
export function readClosureInput(raw: unknown): { input: ClosureInput } | { problem: string } {
  const version = typeof raw === 'object' && raw !== null ? (raw as { inputVersion?: unknown }).inputVersion : undefined;
  if (version !== CLOSURE_INPUT_VERSION) return { problem: `inputVersion ${String(version)} is not one this workflow code knows` };
  const parsed = ClosureInputSchema.safeParse(raw);
  if (parsed.success) return { input: parsed.data };
  return { problem: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`).join('; ') };
}

// ---- messages -------------------------------------------------------------------------------------------------------

export const CLOSURE_DECISIONS = ['approve', 'reject'] as const;
export type ClosureDecision = (typeof CLOSURE_DECISIONS)[number];

/** The `decideClosure` update: the decision, who made it (as the API authenticated them), and its signature. */
export const ClosureDecisionSchema = z.looseObject({
  decision: z.enum(CLOSURE_DECISIONS),
  // Checked by the update validator only (never on replay).
  reason: noteText(z.string().trim().min(1, 'a reason is required').max(1000)),
  decidedBy: z.string().min(1),
  roles: z.array(z.string()),
  signedAt: z.string().optional(),
  keyId: z.string().optional(),
  signature: z.string().optional(),
});
export type ClosureDecisionInput = z.infer<typeof ClosureDecisionSchema>;

export interface ClosureDecisionRecord {
  decision: ClosureDecision;
  reason: string;
  decidedBy: string;
  roles: string[];
  decidedAt: string;
}

/** The `cancelClosure` update: accepted until CloseAccount is sent, never after. */
export const ClosureCancellationSchema = z.looseObject({
  reason: noteText(z.string().trim().min(1, 'a reason is required').max(1000)),
  cancelledBy: z.string().min(1),
  roles: z.array(z.string()),
  signedAt: z.string().optional(),
  keyId: z.string().optional(),
  signature: z.string().optional(),
});
export type ClosureCancellationInput = z.infer<typeof ClosureCancellationSchema>;

export interface ClosureCancellationRecord {
  cancelledBy: string;
  reason: string;
  cancelledAt: string;
  /** The stage the closure was at when the cancel was accepted. */
  stage: ClosureStage;
}

/** The signed acts behind a closure decision and a cancellation (contract/decision-signature.ts), as both sides build them. */
export function closureDecisionAct(requestId: string, runId: string, d: Pick<ClosureDecisionInput, 'decision' | 'reason' | 'decidedBy' | 'roles'> & { signedAt?: string }) {
  return { requestId, runId, action: 'decide-closure', decision: d.decision, reason: d.reason, actor: d.decidedBy, roles: d.roles, signedAt: d.signedAt ?? '' };
}
export function closureCancellationAct(requestId: string, runId: string, c: Pick<ClosureCancellationInput, 'reason' | 'cancelledBy' | 'roles'> & { signedAt?: string }) {
  return { requestId, runId, action: 'cancel-closure', decision: 'cancel', reason: c.reason, actor: c.cancelledBy, roles: c.roles, signedAt: c.signedAt ?? '' };
}

// ---- status ---------------------------------------------------------------------------------------------------------

export interface ClosureStageEntry {
  stage: ClosureStage;
  enteredAt: string;
  note?: string;
}

/** Where the account was before quarantine, and what quarantine changed: what a cancel restores. */
export interface QuarantineRecord {
  sourceParentId: string;
  quarantineParentId: string;
  /** The deny-all SCP attached by the quarantine (absent: none configured, or it was attached already before). */
  attachedPolicyId?: string;
  /** The SCPs attached directly to the account before quarantine, as found. */
  policiesBefore: string[];
  quarantinedAt?: string;
  graceEndsAt?: string;
  restoredAt?: string;
}

export interface ClosureRecord {
  /** When the coordinator was first asked for a slot, and when it granted one. */
  slotAskedAt?: string;
  slotGrantedAt?: string;
  /** When CloseAccount was sent (from then on the closure cannot be cancelled). */
  closeRequestedAt?: string;
  /** The account's State as AWS last reported it. */
  awsState?: string;
  suspendedAt?: string;
  reopenWindowEndsAt?: string;
  reopenReminderSentAt?: string;
  /** AWS refusals seen (quota, requests limit) and waited out; never a failure. */
  refusals?: number;
}

export interface ClosureStatus {
  stage: ClosureStage;
  accountId: string;
  accountName?: string;
  requester: string;
  owner?: string;
  adopted: boolean;
  reason: string;
  pendingDecision?: { since: string; deadline: string; remindersSent: number };
  decision?: ClosureDecisionRecord;
  quarantine?: QuarantineRecord;
  closure?: ClosureRecord;
  cancellation?: ClosureCancellationRecord;
  failure?: { message: string; type?: string };
  timeline: ClosureStageEntry[];
}

/** The closure's own refusal type, beside the shared ones (contract/vending.ts UpdateRefusal). */
export const ClosureRefusal = {
  /** A cancel after CloseAccount was sent: nothing here can undo it. */
  Irreversible: 'ClosureIrreversible',
} as const;

export const closureStatusQuery = defineQuery<ClosureStatus>('closureStatus');
export const decideClosureUpdate = defineUpdate<ClosureDecisionRecord, [ClosureDecisionInput]>('decideClosure');
export const cancelClosureUpdate = defineUpdate<ClosureCancellationRecord, [ClosureCancellationInput]>('cancelClosure');
