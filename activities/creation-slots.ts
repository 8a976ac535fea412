/**
 * Asks the organization's creation-slot coordinator (workflows/creation-slots.ts) for a slot: signal-with-start, so
 * the coordinator is started by the first request that needs it. The grant comes back to the workflow by signal.
 */
import { type Client } from '@temporalio/client';
import { CREATION_QUOTAS } from '../contract/aws-quotas';
import { Context } from '@temporalio/activity';
import {
  acquireCreationSlotSignal,
  CREATION_SLOTS_WORKFLOW_TYPE,
  creationSlotsWorkflowId,
  type CreationSlotsConfig,
} from '../contract/creation-slots';

export interface CreationSlotsDependencies {
  /** A Temporal client for the namespace the worker serves. */
  client: Client;
  config: CreationSlotsConfig;
}


/** The coordinator's settings for AWS's quotas, sped up by the sandbox's time scale (1 against AWS). */
export function creationSlotsConfig(awsQuotaScale: number, maxInFlight: number = CREATION_QUOTAS.maxInFlight): CreationSlotsConfig {
  return {
    maxInFlight,
    createsPerSecond: CREATION_QUOTAS.createsPerSecond * awsQuotaScale,
    burst: CREATION_QUOTAS.burst,
    // Two hours of AWS time, but never under a minute of real time: a fast sandbox must not expire live holders.
    leaseMs: Math.max(60_000, Math.ceil((2 * 3_600_000) / awsQuotaScale)),
    idleMs: 10 * 60_000,
  };
}

export function createCreationSlotActivities(deps: CreationSlotsDependencies | undefined) {
  return {
    /**
     * Queues this request for a creation slot. `coordinated: false` when this worker runs without a coordinator (no
     * Temporal client given): the request then creates at once and relies on the rate-limited queue and on AWS's own
     * refusal (CreationSlotsBusy), as it would without the coordinator.
     */
    async acquireCreationSlot(input: { requestId: string; taskQueue: string }): Promise<{ coordinated: boolean }> {
      if (!deps) return { coordinated: false };
      await deps.client.workflow.signalWithStart(CREATION_SLOTS_WORKFLOW_TYPE, {
        workflowId: creationSlotsWorkflowId(input.taskQueue),
        taskQueue: input.taskQueue,
        args: [deps.config],
        signal: acquireCreationSlotSignal,
        signalArgs: [{ requestId: input.requestId }],
        staticSummary: 'Hands out the organization\'s 5 account-creation slots at CreateAccount\'s rate',
      });
      Context.current().log.debug('creation slot requested', { requestId: input.requestId });
      return { coordinated: true };
    },
  };
}
