/**
 * Task queues. Calls that AWS limits per organization run on their own queues, whose server-side rate limit
 * (maxTaskQueueActivitiesPerSecond) holds across every worker and every running workflow.
 */
export const DEFAULT_TASK_QUEUE = 'account-vending';

export interface VendingTaskQueues {
  /** Workflows and all unrestricted activities. */
  main: string;
  /** CreateAccount (0.1/s per account, burst 3). */
  accountCreation: string;
  /** DescribeCreateAccountStatus (2/s per org). */
  creationStatus: string;
}

export function vendingTaskQueues(main: string): VendingTaskQueues {
  return { main, accountCreation: `${main}.create-account`, creationStatus: `${main}.create-account-status` };
}

/**
 * Dispatch rates of the restricted queues, before the sandbox's time scale: AWS's quotas (CreateAccount 0.1/s,
 * DescribeCreateAccountStatus 2/s) less 10%, because Temporal's limiter and AWS's token bucket do not tick together
 * and a poll answered "throttled" costs a whole poll interval.
 */
export const ORG_QUOTAS_PER_SECOND = { accountCreation: 0.1, creationStatus: 1.8 } as const;
