/**
 * A request's behaviour (deadlines, poll intervals, probes). It is resolved COMPLETELY where the request is accepted
 * (contract/policy-defaults.ts, called by client/temporal.ts) and stored in the workflow input; the workflow never fills
 * in a default, so a default changed in code or configuration changes new requests only, never the timers of one
 * already running (requests live for days).
 *
 * Two schemas over the same fields: `VendingPolicyShape` is what the workflow checks (types only: a bound tightened
 * later must not make an old history fail to replay); `VendingPolicySchema` adds the bounds, checked at acceptance.
 * The bounds keep every request's history far below Temporal's limits: each reminder and each evidence poll of the
 * root window costs about a dozen history events, so their counts are capped (see `maxHistoryEvents`).
 */
import { z } from 'zod';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Temporal warns at 10,240 events and stops a run at 51,200; a request stays under this. */
export const HISTORY_EVENT_BUDGET = 10_000;

const duration = z.number().int().positive();

const OperatorAttestationShape = z.looseObject({
  attestedBy: z.string().min(1),
  attestedAt: z.string().min(1),
  note: z.string().optional(),
});

const BillingVerificationShape = z.looseObject({
  costExplorerProbe: z.boolean(),
  cloudTrailLookup: z.boolean(),
  /** An operator's statement that the org's Cost Explorer linked-account access is on (no API can read it). */
  operatorAttestation: OperatorAttestationShape.optional(),
  /** Probe attempts before an unexplained Cost Explorer answer counts as inconclusive. */
  probeAttempts: z.number().int().positive(),
});

export const VendingPolicyShape = z.looseObject({
  /**
   * How long one attempt of an AWS-facing activity may run before Temporal gives it to another worker: the time a
   * crashed worker's task is lost for. Generous for AWS's latency plus the SDK's own retries.
   */
  activityAttemptTimeoutMs: duration,
  /** How often the creation status is polled (server-side retries: no history events per poll). */
  creationPollIntervalMs: duration,
  /** How long a request waits for its creation slot before it asks the coordinator again (it may have restarted). */
  creationSlotWaitMs: duration,
  /** The pause before a creation that AWS failed for a transient reason is tried again (business validation: x60). */
  creationRetryPauseMs: duration,
  /** The first pause after AWS refused CreateAccount for its creation limit; it doubles, up to an hour. */
  creationRefusalBackoffMs: duration,
  /** How long to wait for the account to become usable (ACTIVE and a role can be assumed). */
  readinessTimeoutMs: duration,
  readinessPollIntervalMs: duration,
  billingVerification: BillingVerificationShape,
  decisionDeadlineMs: duration,
  decisionReminderIntervalMs: duration,
  rootWindowDeadlineMs: duration,
  /** How often CloudTrail is checked for the root user's SetIAMAccessPreference while the window is open. */
  rootWindowEvidencePollMs: duration,
  /** After a confirmation, how long CloudTrail is re-checked for the change (its events can arrive minutes late); never past the window's deadline. */
  confirmationRecheckMs: duration,
  /** Who receives the root-window instructions: the owner of the account's root mailbox. */
  rootMailboxOwner: z.string().min(1).optional(),
});
export type VendingPolicy = z.infer<typeof VendingPolicyShape>;

type DurationField = {
  [K in keyof VendingPolicy]-?: VendingPolicy[K] extends number | undefined ? K : never;
}[keyof VendingPolicy];

/** [min, max] of each duration, in ms. */
export const POLICY_BOUNDS: Record<DurationField, readonly [number, number]> = {
  activityAttemptTimeoutMs: [1_000, 15 * MINUTE],
  creationPollIntervalMs: [10, 10 * MINUTE],
  creationSlotWaitMs: [100, HOUR],
  creationRetryPauseMs: [10, HOUR],
  creationRefusalBackoffMs: [10, HOUR],
  readinessTimeoutMs: [1_000, DAY],
  readinessPollIntervalMs: [10, 10 * MINUTE],
  decisionDeadlineMs: [1_000, 30 * DAY],
  decisionReminderIntervalMs: [100, 30 * DAY],
  // A root session lasts at most 15 minutes each; the window is ours, and never longer than a day.
  rootWindowDeadlineMs: [1_000, DAY],
  rootWindowEvidencePollMs: [100, HOUR],
  confirmationRecheckMs: [100, 2 * HOUR],
};

/** Caps on the loops whose length the policy decides. */
export const POLICY_LOOP_CAPS = { decisionReminders: 200, rootWindowPolls: 500, slotAsks: 300, probeAttempts: 20 } as const;

/** Longest a request waits for a creation slot in all (the creation activity's own deadline). */
export const CREATION_DEADLINE_MS = DAY;

/**
 * The largest history a request with this policy can write: its loops (a reminder, a window poll, a slot re-ask each
 * cost at most 12 events: timer, activity and their workflow tasks) plus an allowance for the stages (creation
 * attempts, placement, evidence, the window's open and close, updates, notifications). A test on the time-skipping
 * server checks the estimate against a real worst case.
 */
export function maxHistoryEvents(
  policy: Pick<VendingPolicy, 'decisionDeadlineMs' | 'decisionReminderIntervalMs' | 'rootWindowDeadlineMs' | 'rootWindowEvidencePollMs' | 'creationSlotWaitMs' | 'confirmationRecheckMs'>,
): number {
  const perLoop = 12;
  const reminders = Math.ceil(policy.decisionDeadlineMs / policy.decisionReminderIntervalMs);
  const windowPolls = Math.ceil(policy.rootWindowDeadlineMs / policy.rootWindowEvidencePollMs) + 1;
  const recheckPolls = Math.ceil(policy.confirmationRecheckMs / policy.rootWindowEvidencePollMs) + 1;
  const slotAsks = Math.min(POLICY_LOOP_CAPS.slotAsks, Math.ceil(CREATION_DEADLINE_MS / policy.creationSlotWaitMs));
  const stages = 600;
  return stages + perLoop * (reminders + windowPolls + recheckPolls + slotAsks);
}

/** The policy with its bounds: what a request may be accepted with. */
export const VendingPolicySchema = VendingPolicyShape.superRefine((p, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  for (const [field, [min, max]] of Object.entries(POLICY_BOUNDS) as [DurationField, readonly [number, number]][]) {
    const value = p[field] as number;
    if (value < min || value > max) issue(field, `${field} must be between ${min} and ${max} ms`);
  }
  if (p.billingVerification.probeAttempts > POLICY_LOOP_CAPS.probeAttempts) {
    issue('billingVerification', `probeAttempts is at most ${POLICY_LOOP_CAPS.probeAttempts}`);
  }
  if (p.decisionDeadlineMs / p.decisionReminderIntervalMs > POLICY_LOOP_CAPS.decisionReminders) {
    issue('decisionReminderIntervalMs', `at most ${POLICY_LOOP_CAPS.decisionReminders} reminders per decision deadline: raise the interval or shorten the deadline`);
  }
  if (p.rootWindowDeadlineMs / p.rootWindowEvidencePollMs > POLICY_LOOP_CAPS.rootWindowPolls) {
    issue('rootWindowEvidencePollMs', `at most ${POLICY_LOOP_CAPS.rootWindowPolls} CloudTrail polls per root window: poll less often or shorten the window`);
  }
  if (maxHistoryEvents(p) > HISTORY_EVENT_BUDGET) {
    issue('policy', `this policy could write ${maxHistoryEvents(p)} history events per request; the budget is ${HISTORY_EVENT_BUDGET}`);
  }
});

/** What configuration may set (VEND_POLICY, tests, bench): any subset; the rest comes from the defaults. */
export const PolicyOverridesSchema = z
  .object({
    ...VendingPolicyShape.shape,
    billingVerification: BillingVerificationShape.partial(),
  })
  .partial()
  .strict();
export type PolicyOverrides = z.input<typeof PolicyOverridesSchema>;
