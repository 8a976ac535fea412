/**
 * "Really usable": SUCCEEDED arrives minutes before an account can be used, so we wait for State=ACTIVE and for an
 * AssumeRole into the account's access role to work. Not ready yet is a retryable failure: the activity's retry
 * policy is the wait loop, bounded by its schedule-to-close timeout.
 */
import { DescribeAccountCommand } from '@aws-sdk/client-organizations';
import { type AwsClients } from './aws-clients';
import { awsErrorName, describeAwsError, nonRetryable, retryable } from './errors';

export function createReadinessActivities(aws: AwsClients) {
  return {
    async awaitAccountReady(accountId: string): Promise<{ state: 'ACTIVE'; roleAssumable: true }> {
      let state: string | undefined;
      try {
        const { Account } = await aws.organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
        state = Account?.State;
      } catch (err) {
        throw retryable('AccountNotReady', `DescribeAccount ${accountId}: ${describeAwsError(err)}`);
      }
      if (state === 'SUSPENDED' || state === 'PENDING_CLOSURE' || state === 'CLOSED') {
        throw nonRetryable('AccessDenied', `account ${accountId} is ${state} and will not become usable`);
      }
      if (state !== 'ACTIVE') throw retryable('AccountNotReady', `account ${accountId} is ${state ?? 'not visible yet'}`);
      try {
        await aws.memberSession(accountId);
      } catch (err) {
        // AccessDenied, RegionDisabledException, SubscriptionRequiredException: all "not yet" right after creation.
        throw retryable('AccountNotReady', `the account's role cannot be assumed yet (${awsErrorName(err) ?? 'error'})`);
      }
      return { state: 'ACTIVE', roleAssumable: true };
    },
  };
}
