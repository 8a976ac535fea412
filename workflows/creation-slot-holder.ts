/**
 * The vending workflow's side of the creation-slot coordinator: ask, wait for the grant, release when the creation
 * has ended (on every path, including cancellation). The wait is bounded: a coordinator that was terminated or reset
 * never answers, so the request asks again (signal-with-start starts a new one) every `creationSlotWaitMs`, for at
 * most a day.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  creationSlotGrantedSignal,
  creationSlotsWorkflowId,
  releaseCreationSlotSignal,
} from '../contract/creation-slots';
import { RequestFailure } from '../contract/failures';
import { CREATION_DEADLINE_MS } from '../contract/policy';
import { type VendingActivityProxies } from './activity-proxies';
import { PATCHES } from './patches';

export type ReleaseSlot = () => Promise<void>;

export function creationSlotHolder(acts: VendingActivityProxies, waitMs: number) {
  let granted = false;
  setHandler(creationSlotGrantedSignal, () => {
    granted = true;
  });
  const { workflowId: requestId, taskQueue } = workflowInfo();
  const ask = () => acts.aws.acquireCreationSlot({ requestId, taskQueue });

  return {
    /** Resolves once this request holds one of the organization's creation slots; returns how to give it back. */
    async acquire(): Promise<ReleaseSlot> {
      granted = false;
      const { coordinated } = await ask();
      if (!coordinated) return async () => undefined;
      if (patched(PATCHES.slotGrantTimeout)) {
        const giveUpAt = Date.now() + CREATION_DEADLINE_MS;
        while (!(await condition(() => granted, waitMs))) {
          if (Date.now() >= giveUpAt) {
            throw ApplicationFailure.nonRetryable('no account-creation slot was granted within a day', RequestFailure.CreationSlotUnavailable);
          }
          await ask();
        }
      } else {
        await condition(() => granted);
      }
      return () =>
        CancellationScope.nonCancellable(async () => {
          try {
            await getExternalWorkflowHandle(creationSlotsWorkflowId(taskQueue)).signal(releaseCreationSlotSignal, { requestId });
          } catch {
            // The coordinator ended (idle) or was reset: there is no slot left to give back.
          }
        });
    },
  };
}
