/**
 * A closure's behaviour (decision deadline, grace period, slot waits, the reopen window). As with the vending policy
 * (contract/policy.ts), it is resolved COMPLETELY where the closure is accepted (contract/closure-policy-defaults.ts)
 * and stored in the workflow input: the workflow never fills in a default, so a changed default never moves the
 * timers of a closure already running (closures live for three months).
 *
 * `ClosurePolicyShape` is what the workflow checks (types only); `ClosurePolicySchema` adds the bounds, checked at
 * acceptance. The bounds keep every closure's history small: its loops (decision reminders, slot re-asks) are capped
 * and `maxClosureHistoryEvents` must stay under the same budget as a vending request's.
 */
import { z } from 'zod';
import { HISTORY_EVENT_BUDGET } from './policy';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** AWS keeps a SUSPENDED account reopenable through AWS Support for 90 days; then its resources are deleted. */
export const AWS_REOPEN_WINDOW_MS = 90 * DAY;

const duration = z.number().int().positive();

export const ClosurePolicyShape = z.looseObject({
  /** How long one attempt of an AWS-facing activity may run before Temporal gives it to another worker. */
  activityAttemptTimeoutMs: duration,
  /** How long the closure waits for an approver; then it ends at needs-attention, the account untouched. */
  decisionDeadlineMs: duration,
  decisionReminderIntervalMs: duration,
  /** The account sits in the quarantine OU this long before it is closed; a cancel in this time restores it. */
  gracePeriodMs: duration,
  /** How long a closure waits for the coordinator's grant before it asks again (the coordinator may have restarted). */
  slotWaitMs: duration,
  /** How long a closure waits for a slot in all (the rolling 30-day quota may be full); then needs-attention. */
  slotDeadlineMs: duration,
  /** How often DescribeAccount is asked while the account is PENDING_CLOSURE (retries: no history events each). */
  closurePollIntervalMs: duration,
  /** How long PENDING_CLOSURE may last before the closure needs attention. */
  suspendedDeadlineMs: duration,
  /** How long AWS lets the account be reopened after it became SUSPENDED (AWS: 90 days). */
  reopenWindowMs: duration,
  /** The owner and operators are reminded this long before the reopen window ends. */
  reopenReminderBeforeMs: duration,
});
export type ClosurePolicy = z.infer<typeof ClosurePolicyShape>;

type DurationField = keyof ClosurePolicy & string;

/** [min, max] of each duration, in ms. The minimums allow the short timings of tests and demos. */
export const CLOSURE_POLICY_BOUNDS: Record<DurationField, readonly [number, number]> = {
  activityAttemptTimeoutMs: [1_000, 15 * MINUTE],
  decisionDeadlineMs: [1_000, 30 * DAY],
  decisionReminderIntervalMs: [100, 30 * DAY],
  gracePeriodMs: [100, 30 * DAY],
  slotWaitMs: [100, DAY],
  // The quota's window is 30 days: a closure may have to wait that long, and a little more.
  slotDeadlineMs: [1_000, 62 * DAY],
  closurePollIntervalMs: [10, 10 * MINUTE],
  suspendedDeadlineMs: [1_000, 7 * DAY],
  reopenWindowMs: [1_000, AWS_REOPEN_WINDOW_MS],
  reopenReminderBeforeMs: [100, 30 * DAY],
};

export const CLOSURE_LOOP_CAPS = { decisionReminders: 200, slotAsks: 300 } as const;

/**
 * The largest history a closure with this policy can write: each reminder and each slot re-ask costs at most 12
 * events (timer, activity, their workflow tasks), plus an allowance for the stages (preflight, placement, quarantine,
 * restore, CloseAccount, the reconcile, updates and notifications).
 */
export function maxClosureHistoryEvents(policy: Pick<ClosurePolicy, 'decisionDeadlineMs' | 'decisionReminderIntervalMs' | 'slotDeadlineMs' | 'slotWaitMs'>): number {
  const perLoop = 12;
  const reminders = Math.ceil(policy.decisionDeadlineMs / policy.decisionReminderIntervalMs);
  const slotAsks = Math.ceil(policy.slotDeadlineMs / policy.slotWaitMs);
  const stages = 400;
  return stages + perLoop * (reminders + slotAsks);
}

/** The policy with its bounds: what a closure may be accepted with. */
export const ClosurePolicySchema = ClosurePolicyShape.superRefine((p, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  for (const [field, [min, max]] of Object.entries(CLOSURE_POLICY_BOUNDS) as [DurationField, readonly [number, number]][]) {
    const value = p[field] as number;
    if (value < min || value > max) issue(field, `${field} must be between ${min} and ${max} ms`);
  }
  if (p.decisionDeadlineMs / p.decisionReminderIntervalMs > CLOSURE_LOOP_CAPS.decisionReminders) {
    issue('decisionReminderIntervalMs', `at most ${CLOSURE_LOOP_CAPS.decisionReminders} reminders per decision deadline: raise the interval or shorten the deadline`);
  }
  if (p.slotDeadlineMs / p.slotWaitMs > CLOSURE_LOOP_CAPS.slotAsks) {
    issue('slotWaitMs', `at most ${CLOSURE_LOOP_CAPS.slotAsks} re-asks for a closure slot: raise the wait or shorten the slot deadline`);
  }
  if (p.reopenReminderBeforeMs >= p.reopenWindowMs) issue('reopenReminderBeforeMs', 'the reopen reminder must come before the reopen window ends');
  if (maxClosureHistoryEvents(p) > HISTORY_EVENT_BUDGET) {
    issue('policy', `this policy could write ${maxClosureHistoryEvents(p)} history events per closure; the budget is ${HISTORY_EVENT_BUDGET}`);
  }
});

/** What configuration may set (VEND_CLOSURE_POLICY, tests, bench): any subset; the rest comes from the defaults. */
export const ClosurePolicyOverridesSchema = z.object(ClosurePolicyShape.shape).partial().strict();
export type ClosurePolicyOverrides = z.input<typeof ClosurePolicyOverridesSchema>;
