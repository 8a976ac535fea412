/**
 * Today's closure defaults and the one function that applies them, where a closure is accepted (client/closure.ts).
 * Workflows must not import this file (a lint rule says so): a changed default changes closures accepted afterwards,
 * never a running one.
 */
import { ClosurePolicyOverridesSchema, ClosurePolicySchema, type ClosurePolicy, type ClosurePolicyOverrides } from './closure-policy';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const CLOSURE_POLICY_DEFAULTS: Readonly<ClosurePolicy> = Object.freeze({
  activityAttemptTimeoutMs: MINUTE,
  decisionDeadlineMs: 7 * DAY,
  decisionReminderIntervalMs: DAY,
  gracePeriodMs: 72 * HOUR,
  slotWaitMs: 6 * HOUR,
  slotDeadlineMs: 35 * DAY,
  closurePollIntervalMs: 30_000,
  suspendedDeadlineMs: DAY,
  reopenWindowMs: 90 * DAY,
  reopenReminderBeforeMs: 7 * DAY,
});

/** Overrides over today's defaults, checked against the bounds; throws a ZodError naming the field. */
export function resolveClosurePolicy(overrides: ClosurePolicyOverrides = {}, defaults: Readonly<ClosurePolicy> = CLOSURE_POLICY_DEFAULTS): ClosurePolicy {
  return ClosurePolicySchema.parse({ ...defaults, ...ClosurePolicyOverridesSchema.parse(overrides) });
}
