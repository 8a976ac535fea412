/**
 * Asks the organization's closure coordinator (workflows/closure-slots.ts) for a slot: signal-with-start, so the
 * coordinator is started by the first closure that needs it. The ask carries the organization's member-account count
 * (the quota follows it) and this worker's configuration. The grant comes back to the closure workflow by signal.
 */
import { DescribeOrganizationCommand, paginateListAccounts } from '@aws-sdk/client-organizations';
import { type Client } from '@temporalio/client';
import { CLOSURE_QUOTAS } from '../contract/aws-quotas';
import {
  acquireClosureSlotSignal,
  CLOSURE_SLOTS_WORKFLOW_TYPE,
  closureSlotsWorkflowId,
  type ClosureSlotsConfig,
} from '../contract/closure-slots';
import { type AwsClients } from './aws-clients';
import { classify } from './errors';

export interface ClosureSlotsDependencies {
  /** A Temporal client for the namespace the worker serves. */
  client: Client;
  config: ClosureSlotsConfig;
}

const DAY = 86_400_000;

export type ClosureQuotaOverrides = Partial<Pick<ClosureSlotsConfig, 'quotaPercent' | 'quotaMin' | 'quotaMax' | 'maxInProgress'>>;

/**
 * The coordinator's settings: AWS's closure quotas (contract/aws-quotas.ts; each quota number may be overridden),
 * sped up by the sandbox's time scale (1 against AWS).
 */
export function closureSlotsConfig(awsQuotaScale: number, overrides: ClosureQuotaOverrides = {}): ClosureSlotsConfig {
  const scaled = (ms: number) => Math.ceil(ms / awsQuotaScale);
  return {
    quotaPercent: overrides.quotaPercent ?? CLOSURE_QUOTAS.quotaPercent,
    quotaMin: overrides.quotaMin ?? CLOSURE_QUOTAS.quotaMin,
    quotaMax: overrides.quotaMax ?? CLOSURE_QUOTAS.quotaMax,
    windowMs: scaled(CLOSURE_QUOTAS.windowMs),
    maxInProgress: overrides.maxInProgress ?? CLOSURE_QUOTAS.maxInProgress,
    // 10% below AWS's rate: our grants and AWS's token bucket do not tick together.
    closesPerSecond: CLOSURE_QUOTAS.closesPerSecond * 0.9 * awsQuotaScale,
    burst: CLOSURE_QUOTAS.burst,
    // A day of AWS time, but never under a minute of real time: a fast sandbox must not expire live holders.
    leaseMs: Math.max(60_000, scaled(DAY)),
    quotaRefusalBackoffMs: scaled(6 * 3_600_000),
    limitRefusalBackoffMs: scaled(60_000),
    typicalClosureMs: scaled(5 * 60_000),
    idleMs: 10 * 60_000,
  };
}

/** Member accounts are counted at most this often per worker: 40 closures asking at once cost one listing. */
const COUNT_TTL_MS = 30_000;

export function createClosureSlotActivities(aws: AwsClients, deps: ClosureSlotsDependencies | undefined) {
  let counted: { at: number; members: Promise<number> } | undefined;
  const memberAccounts = () => {
    if (!counted || Date.now() - counted.at > COUNT_TTL_MS) {
      const members = countMemberAccounts(aws);
      counted = { at: Date.now(), members };
      members.catch(() => (counted = undefined));
    }
    return counted.members;
  };

  return {
    /**
     * Queues this closure for a slot. `coordinated: false` when this worker runs without a coordinator (no Temporal
     * client given): the closure then sends CloseAccount at once and relies on AWS's refusals, which it waits out.
     */
    async acquireClosureSlot(input: { requestId: string; taskQueue: string }): Promise<{ coordinated: boolean; memberAccounts?: number }> {
      if (!deps) return { coordinated: false };
      const members = await memberAccounts();
      await deps.client.workflow.signalWithStart(CLOSURE_SLOTS_WORKFLOW_TYPE, {
        workflowId: closureSlotsWorkflowId(input.taskQueue),
        taskQueue: input.taskQueue,
        args: [deps.config],
        signal: acquireClosureSlotSignal,
        signalArgs: [{ requestId: input.requestId, memberAccounts: members, config: deps.config }],
        staticSummary: "Keeps the organization's rolling 30-day account-closure quota and hands closure slots out in order",
      });
      return { coordinated: true, memberAccounts: members };
    },
  };
}

/** Every account of the organization but the management account, whatever its state (SUSPENDED ones still count). */
async function countMemberAccounts(aws: AwsClients): Promise<number> {
  try {
    const { Organization } = await aws.organizations.send(new DescribeOrganizationCommand({}));
    let members = 0;
    for await (const page of paginateListAccounts({ client: aws.organizations }, {})) {
      members += (page.Accounts ?? []).filter((a) => a.Id !== Organization?.MasterAccountId).length;
    }
    return members;
  } catch (err) {
    throw classify(err, 'ListAccounts');
  }
}
