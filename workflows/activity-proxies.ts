/**
 * How the workflow calls its activities: which task queue (AWS's org-wide quotas are enforced by rate-limited
 * queues), and the retry policy of each, with the non-retryable failure types named.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { NON_RETRYABLE_TYPES } from '../contract/failures';
import { vendingTaskQueues } from '../contract/task-queues';
import { type VendingPolicy } from '../contract/vending';
import type { VendingActivities } from '../activities/types';


/** Named in contract/failures.ts; a mutable copy, as the SDK's retry policy type wants. */
const NON_RETRYABLE: string[] = [...NON_RETRYABLE_TYPES];

export function vendingActivities(policy: VendingPolicy) {
  const queues = vendingTaskQueues(workflowInfo().taskQueue);
  // The first retry comes after 1 s, or sooner when the policy polls faster than that (a time-scaled sandbox scales
  // its poll intervals, and its retries must follow or a throttled call waits minutes of sandbox time).
  const firstRetryMs = Math.min(1_000, policy.creationPollIntervalMs);
  const base = {
    startToCloseTimeout: policy.activityAttemptTimeoutMs,
    retry: { initialInterval: firstRetryMs, backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
  } as const;

  return {
    /** Preflight, ownership, placement, contacts: ordinary AWS calls, retried for up to an hour. */
    aws: proxyActivities<VendingActivities>({ ...base, scheduleToCloseTimeout: '1 hour', summary: 'AWS Organizations / Account call' }),

    /**
     * Reconcile-then-CreateAccount, on the queue limited to CreateAccount's rate; busy slots retried for a day. The
     * retry runs at the creation poll interval without backoff: the queue's rate limit already paces the attempts of
     * every workflow together, while a growing backoff would leave a freed slot idle (at AWS's quotas one frees about
     * every 12 s) and would not follow a sped-up sandbox (the poll interval is scaled with it).
     */
    creation: proxyActivities<Pick<VendingActivities, 'requestAccountCreation'>>({
      ...base,
      taskQueue: queues.accountCreation,
      scheduleToCloseTimeout: '24 hours',
      summary: 'Reconcile, then CreateAccount (IamUserAccessToBilling=ALLOW)',
      retry: {
        ...base.retry,
        initialInterval: policy.creationPollIntervalMs,
        backoffCoefficient: 1,
        maximumInterval: policy.creationPollIntervalMs,
      },
    }),

    /** The creation poll: each retry of CreationInProgress is one DescribeCreateAccountStatus, on its rate-limited queue. */
    creationStatus: proxyActivities<Pick<VendingActivities, 'awaitAccountCreation'>>({
      ...base,
      taskQueue: queues.creationStatus,
      summary: 'Poll DescribeCreateAccountStatus until SUCCEEDED or FAILED',
      scheduleToCloseTimeout: '6 hours',
      retry: {
        ...base.retry,
        initialInterval: policy.creationPollIntervalMs,
        backoffCoefficient: 1,
        maximumInterval: policy.creationPollIntervalMs,
      },
    }),

    /** Waits for ACTIVE + an assumable role; the retry policy is the wait loop, its schedule-to-close the deadline. */
    readiness: proxyActivities<Pick<VendingActivities, 'awaitAccountReady'>>({
      ...base,
      scheduleToCloseTimeout: policy.readinessTimeoutMs,
      summary: 'Wait for State=ACTIVE and an assumable access role',
      retry: {
        ...base.retry,
        initialInterval: policy.readinessPollIntervalMs,
        backoffCoefficient: 1.5,
        maximumInterval: Math.max(policy.readinessPollIntervalMs, 60_000),
      },
    }),

    /** Evidence gathering: a bounded number of attempts, after which the workflow records "unknown". */
    evidence: proxyActivities<Pick<VendingActivities, 'probeCostExplorerAccess' | 'lookupBillingAccessEvents'>>({
      ...base,
      retry: { ...base.retry, maximumAttempts: policy.billingVerification.probeAttempts },
      summary: 'Billing-access evidence from inside the account (Cost Explorer / CloudTrail)',
    }),

    /** Root-window steps: retried hard, because closing the window must not give up. */
    root: proxyActivities<
      Pick<VendingActivities, 'auditRootCredentials' | 'allowRootPasswordRecovery' | 'deleteRootCredentials'>
    >({ ...base, scheduleToCloseTimeout: '2 hours', summary: 'Root session (sts:AssumeRoot, one task policy)' }),

    /** Notifications never block the request: a few attempts, then the workflow moves on. */
    notifier: proxyActivities<Pick<VendingActivities, 'notify'>>({
      startToCloseTimeout: '15 seconds',
      retry: { initialInterval: '1 second', maximumAttempts: 3 },
      summary: 'Notify people (never blocks the request)',
    }),
  };
}

export type VendingActivityProxies = ReturnType<typeof vendingActivities>;
