/**
 * Evidence about linked-account billing access. No API reads the flag (docs/aws-facts.md), so we observe
 * what AWS lets us see from inside the new account: a Cost Explorer call, and CloudTrail's SetIAMAccessPreference.
 * Each activity returns one evidence record; the verdict is the workflow's (workflows/billing-verdict.ts).
 */
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { z } from 'zod';
import { type EvidenceRecord } from '../contract/vending';
import { type AwsClients } from './aws-clients';
import { awsErrorName, describeAwsError, retryable } from './errors';

/** Messages AWS gives when the organization's linked-account access is off (third-party observations). */
const ACCESS_OFF = /not enabled for cost explorer access|doesn'?t have access to cost explorer|does not have access to cost explorer/i;
/** An ordinary IAM policy gap of our role: says nothing about the org setting. */
const POLICY_GAP = /is not authorized to perform/i;

export function createBillingAccessActivities(aws: AwsClients, now: () => Date = () => new Date()) {
  return {
    async probeCostExplorerAccess(accountId: string): Promise<EvidenceRecord> {
      const session = await aws.memberSession(accountId);
      const end = now();
      const start = new Date(end.getTime() - 24 * 3_600_000);
      const day = (d: Date) => d.toISOString().slice(0, 10);
      const record = (indicates: EvidenceRecord['indicates'], detail: string): EvidenceRecord => ({
        source: 'cost-explorer-probe',
        checkedAt: now().toISOString(),
        indicates,
        detail,
      });
      try {
        await session.costExplorer.send(
          new GetCostAndUsageCommand({
            TimePeriod: { Start: day(start), End: day(end) === day(start) ? day(new Date(end.getTime() + 86_400_000)) : day(end) },
            Granularity: 'DAILY',
            Metrics: ['UnblendedCost'],
          }),
        );
        return record('on', 'ce:GetCostAndUsage from inside the account answered with data');
      } catch (err) {
        const name = awsErrorName(err);
        const message = err instanceof Error ? err.message : '';
        if (name === 'DataUnavailableException') {
          // Fail closed: it suggests access works on a brand-new account, but it is not an observation of the setting.
          return record('unknown', 'ce:GetCostAndUsage answered DataUnavailable: no data yet, so the probe observed nothing either way');
        }
        if (name === 'AccessDeniedException' && ACCESS_OFF.test(message)) {
          return record('off', `ce:GetCostAndUsage denied: "${message.slice(0, 200)}"`);
        }
        if (name === 'AccessDeniedException' && POLICY_GAP.test(message)) {
          return record('unknown', `ce:GetCostAndUsage denied by an IAM policy of the probe role, not by the org setting`);
        }
        // Anything else may pass: Temporal retries up to the policy's probe attempts, then the workflow says inconclusive.
        throw retryable('ProbeUnexplained', `ce:GetCostAndUsage: ${describeAwsError(err)}`);
      }
    },

    async lookupBillingAccessEvents(input: { accountId: string; since?: string }): Promise<EvidenceRecord> {
      const session = await aws.memberSession(input.accountId);
      const { Events } = await session.cloudTrail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'SetIAMAccessPreference' }],
          ...(input.since ? { StartTime: new Date(input.since) } : {}),
        }),
      );
      const events = (Events ?? []).filter((e) => e.EventName === 'SetIAMAccessPreference');
      const checkedAt = now().toISOString();
      if (events.length === 0) {
        return { source: 'cloudtrail-lookup', checkedAt, indicates: 'unknown', detail: 'no SetIAMAccessPreference event' };
      }
      const latest = events.sort((a, b) => (b.EventTime?.getTime() ?? 0) - (a.EventTime?.getTime() ?? 0))[0];
      const enabled = eventEnablesAccess(latest.CloudTrailEvent);
      const what = `SetIAMAccessPreference by ${latest.Username ?? 'unknown'} at ${latest.EventTime?.toISOString() ?? '?'} (event ${latest.EventId ?? '?'})`;
      return {
        source: 'cloudtrail-lookup',
        checkedAt,
        // Fail closed: an event whose parameters we cannot read says someone changed the switch, not to what.
        indicates: enabled === undefined ? 'unknown' : enabled ? 'on' : 'off',
        detail: enabled === undefined ? `${what}: its request parameters do not say whether access was enabled` : what,
      };
    },
  };
}

/**
 * The event's verdict from its request parameters, in the shapes we recognise; undefined for anything else. AWS
 * documents no schema for this console event: we accept one parameter naming the IAM access preference
 * (`iamAccessPreference`, or a key containing `iamaccess`/`billingaccess`) whose value is a boolean or
 * ENABLED/DISABLED, ALLOW/DENY, TRUE/FALSE. Several conflicting values, or none, are not a verdict.
 */
const CloudTrailEventSchema = z.object({ eventName: z.literal('SetIAMAccessPreference'), requestParameters: z.record(z.string(), z.unknown()) });
const RECOGNISED_KEY = /^(iamaccesspreference|.*iamaccess.*|.*billingaccess.*)$/i;

export function eventEnablesAccess(cloudTrailEvent: string | undefined): boolean | undefined {
  if (!cloudTrailEvent) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cloudTrailEvent);
  } catch {
    return undefined;
  }
  const event = CloudTrailEventSchema.safeParse(parsed);
  if (!event.success) return undefined;
  const verdicts = new Set<boolean>();
  for (const [key, value] of Object.entries(event.data.requestParameters)) {
    if (!RECOGNISED_KEY.test(key)) continue;
    if (typeof value === 'boolean') verdicts.add(value);
    else if (typeof value === 'string' && /^(true|enabled|allow)$/i.test(value)) verdicts.add(true);
    else if (typeof value === 'string' && /^(false|disabled|deny)$/i.test(value)) verdicts.add(false);
  }
  return verdicts.size === 1 ? [...verdicts][0] : undefined;
}
