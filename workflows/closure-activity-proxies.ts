/**
 * How the closure workflow calls its activities: the retry policy of each, with the non-retryable failure types named.
 * CloseAccount is paced by the closure coordinator (workflows/closure-slots.ts), not by a rate-limited queue: its quota
 * is days, not seconds, and only the coordinator knows how much of it is left.
 */
import { proxyActivities } from '@temporalio/workflow';
import { type ClosurePolicy } from '../contract/closure-policy';
import type { VendingActivities } from '../activities/types';

const NON_RETRYABLE = ['PreflightFailed', 'ClosureRefused', 'AccountNotFound', 'InvalidRequest', 'AccessDenied'];

type Activities = VendingActivities;

export function closureActivities(policy: ClosurePolicy) {
  const base = {
    startToCloseTimeout: policy.activityAttemptTimeoutMs,
    retry: {
      initialInterval: Math.min(1_000, policy.closurePollIntervalMs),
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  } as const;

  return {
    /** Preflight, placement, quarantine, the slot ask, the state at the end: ordinary calls, retried for hours. */
    aws: proxyActivities<
      Pick<Activities, 'checkClosurePreflight' | 'readPlacement' | 'quarantineAccount' | 'readAccountState' | 'acquireClosureSlot'>
    >({ ...base, scheduleToCloseTimeout: '1 hour', summary: 'AWS Organizations call (closure)' }),

    /** Restoring a quarantined account after a cancel: retried hard, a cancel must not leave it quarantined. */
    restore: proxyActivities<Pick<Activities, 'restoreAccount'>>({
      ...base,
      scheduleToCloseTimeout: '6 hours',
      summary: 'Move the account back and detach the quarantine SCP',
    }),

    /** Reconcile, then CloseAccount; throttling is retried (the coordinator paces, AWS's bucket may still say no). */
    close: proxyActivities<Pick<Activities, 'closeMemberAccount'>>({
      ...base,
      scheduleToCloseTimeout: '6 hours',
      summary: 'Reconcile, then CloseAccount',
    }),

    /** The PENDING_CLOSURE poll: each retry is one DescribeAccount; its schedule-to-close is the deadline. */
    suspension: proxyActivities<Pick<Activities, 'awaitAccountSuspended'>>({
      ...base,
      scheduleToCloseTimeout: policy.suspendedDeadlineMs,
      summary: 'Poll DescribeAccount until SUSPENDED',
      retry: { ...base.retry, initialInterval: policy.closurePollIntervalMs, backoffCoefficient: 1, maximumInterval: policy.closurePollIntervalMs },
    }),

    /** Notifications never block the closure: a few attempts, then the workflow moves on. */
    notifier: proxyActivities<Pick<Activities, 'notify'>>({
      startToCloseTimeout: '15 seconds',
      retry: { initialInterval: '1 second', maximumAttempts: 3 },
      summary: 'Notify people (never blocks the closure)',
    }),
  };
}

export type ClosureActivityProxies = ReturnType<typeof closureActivities>;
