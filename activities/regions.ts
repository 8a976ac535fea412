/**
 * Baseline step `regions`: opt-in regions enabled through the Account Management API, from the management account.
 * AWS caps the region changes running at once per account and per organization (REGION_CHANGES_IN_PROGRESS); the
 * org's region coordinator (workflows/region-slots.ts) grants regions within both caps, and this activity enables
 * only granted ones. Each attempt reconciles (GetRegionOptStatus) before it acts and is retried as the poll while
 * regions are ENABLING.
 */
import { EnableRegionCommand, GetRegionOptStatusCommand, type RegionOptStatus } from '@aws-sdk/client-account';
import { type AwsClients } from './aws-clients';
import { awsErrorName, describeAwsError, nonRetryable, retryable } from './errors';
import { classify } from './errors';

const ENABLED: readonly (RegionOptStatus | undefined)[] = ['ENABLED', 'ENABLED_BY_DEFAULT'];

export function createRegionActivities(aws: AwsClients) {
  const statusOf = async (accountId: string, region: string): Promise<RegionOptStatus | undefined> => {
    try {
      const { RegionOptStatus: status } = await aws.account.send(new GetRegionOptStatusCommand({ AccountId: accountId, RegionName: region }));
      return status;
    } catch (err) {
      if (awsErrorName(err) === 'ValidationException') throw nonRetryable('BaselineStepInvalid', `region ${region}: ${describeAwsError(err)}`);
      throw classify(err, `GetRegionOptStatus ${region}`);
    }
  };

  return {
    /** Which of these regions are on already (they need no slot) and which are not. */
    async regionOptStatuses(input: { accountId: string; regions: string[] }): Promise<{ enabled: string[]; pending: string[] }> {
      const enabled: string[] = [];
      const pending: string[] = [];
      for (const region of input.regions) (ENABLED.includes(await statusOf(input.accountId, region)) ? enabled : pending).push(region);
      return { enabled, pending };
    },

    /**
     * Enables granted regions and returns once all are ENABLED. A region already ENABLING (an earlier attempt's
     * EnableRegion) is waited for, never enabled again.
     */
    async enableRegions(input: { accountId: string; regions: string[]; pollIntervalMs: number }): Promise<{ enabled: string[] }> {
      const notYet: string[] = [];
      for (const region of input.regions) {
        const status = await statusOf(input.accountId, region);
        if (ENABLED.includes(status)) continue;
        notYet.push(`${region} ${status ?? 'unknown'}`);
        if (status !== 'DISABLED') continue; // ENABLING, or DISABLING (someone else's change): wait
        try {
          await aws.account.send(new EnableRegionCommand({ AccountId: input.accountId, RegionName: region }));
        } catch (err) {
          const name = awsErrorName(err);
          if (name === 'ValidationException') throw nonRetryable('BaselineStepInvalid', `EnableRegion ${region}: ${describeAwsError(err)}`);
          // ConflictException (a change in progress), TooManyRequestsException (AWS's caps, when someone besides this
          // engine changes regions): retried like the poll.
          if (name === 'ConflictException' || name === 'TooManyRequestsException') continue;
          throw classify(err, `EnableRegion ${region}`);
        }
      }
      if (notYet.length > 0) throw retryable('BaselineInProgress', `regions not enabled yet: ${notYet.join(', ')}`, input.pollIntervalMs);
      return { enabled: input.regions };
    },
  };
}
