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

/** The queues' dispatch rates are AWS's quotas: contract/aws-quotas.ts. */
export { ORG_QUOTAS_PER_SECOND } from './aws-quotas';
