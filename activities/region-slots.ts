/**
 * Asks the organization's region coordinator (workflows/region-slots.ts) for region slots: signal-with-start, so the
 * coordinator is started by the first request that needs it. Grants come back to the workflow by signal.
 */
import { type Client } from '@temporalio/client';
import { REGION_CHANGES_IN_PROGRESS } from '../contract/aws-quotas';
import { acquireRegionSlotsSignal, REGION_SLOTS_WORKFLOW_TYPE, regionSlotsWorkflowId, type RegionSlotsConfig } from '../contract/region-slots';

export interface RegionSlotsDependencies {
  client: Client;
  config: RegionSlotsConfig;
}

/** The coordinator's settings for AWS's caps; a lease of a day of AWS time (ENABLING can take hours), scaled. */
export function regionSlotsConfig(awsQuotaScale: number): RegionSlotsConfig {
  return {
    maxInFlightPerOrganization: REGION_CHANGES_IN_PROGRESS.perOrganization,
    maxInFlightPerAccount: REGION_CHANGES_IN_PROGRESS.perAccount,
    leaseMs: Math.max(60_000, Math.ceil((24 * 3_600_000) / awsQuotaScale)),
    idleMs: 10 * 60_000,
  };
}

export function createRegionSlotActivities(deps: RegionSlotsDependencies | undefined) {
  return {
    /** Queues these regions of the account; `coordinated: false` when this worker runs without a coordinator. */
    async acquireRegionSlots(input: { requestId: string; taskQueue: string; accountId: string; regions: string[] }): Promise<{ coordinated: boolean }> {
      if (!deps) return { coordinated: false };
      await deps.client.workflow.signalWithStart(REGION_SLOTS_WORKFLOW_TYPE, {
        workflowId: regionSlotsWorkflowId(input.taskQueue),
        taskQueue: input.taskQueue,
        args: [deps.config],
        signal: acquireRegionSlotsSignal,
        signalArgs: [{ requestId: input.requestId, accountId: input.accountId, regions: input.regions }],
        staticSummary: `Grants region opt-ins within AWS's caps: ${deps.config.maxInFlightPerAccount} per account, ${deps.config.maxInFlightPerOrganization} per organization at once`,
      });
      return { coordinated: true };
    },
  };
}
