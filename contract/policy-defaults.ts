/**
 * Today's policy defaults, and the one function that applies them: where a request is accepted
 * (client/temporal.ts startVending). Workflows must not import this file (a lint rule says so): changing a value here
 * changes the requests accepted afterwards, never a running one.
 */
import { PolicyOverridesSchema, VendingPolicySchema, type PolicyOverrides, type VendingPolicy } from './policy';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const POLICY_DEFAULTS: Readonly<VendingPolicy> = Object.freeze({
  activityAttemptTimeoutMs: MINUTE,
  creationPollIntervalMs: 5_000,
  creationSlotWaitMs: 5 * MINUTE,
  creationRetryPauseMs: MINUTE,
  creationRefusalBackoffMs: MINUTE,
  readinessTimeoutMs: 30 * MINUTE,
  readinessPollIntervalMs: 10_000,
  billingVerification: Object.freeze({ costExplorerProbe: true, cloudTrailLookup: true, probeAttempts: 3 }),
  decisionDeadlineMs: 7 * 24 * HOUR,
  decisionReminderIntervalMs: 24 * HOUR,
  rootWindowDeadlineMs: 4 * HOUR,
  rootWindowEvidencePollMs: MINUTE,
  confirmationRecheckMs: 15 * MINUTE,
});

/** Overrides over today's defaults, checked against the bounds; throws a ZodError naming the field. */
export function resolvePolicy(overrides: PolicyOverrides = {}, defaults: Readonly<VendingPolicy> = POLICY_DEFAULTS): VendingPolicy {
  const parsed = PolicyOverridesSchema.parse(overrides);
  return VendingPolicySchema.parse({
    ...defaults,
    ...parsed,
    billingVerification: { ...defaults.billingVerification, ...(parsed.billingVerification ?? {}) },
  });
}
