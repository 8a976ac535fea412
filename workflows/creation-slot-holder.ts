/**
 * The vending workflow's side of the creation-slot coordinator: ask, wait for the grant, release when the creation
 * has ended (on every path, including cancellation).
 */
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  creationSlotGrantedSignal,
  creationSlotsWorkflowId,
  releaseCreationSlotSignal,
} from '../contract/creation-slots';
import { type VendingActivityProxies } from './activity-proxies';

export type ReleaseSlot = () => Promise<void>;

export function creationSlotHolder(acts: VendingActivityProxies) {
  let granted = false;
  setHandler(creationSlotGrantedSignal, () => {
    granted = true;
  });
  const { workflowId: requestId, taskQueue } = workflowInfo();

  return {
    /** Resolves once this request holds one of the organization's creation slots; returns how to give it back. */
    async acquire(): Promise<ReleaseSlot> {
      granted = false;
      const { coordinated } = await acts.aws.acquireCreationSlot({ requestId, taskQueue });
      if (!coordinated) return async () => undefined;
      await condition(() => granted);
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
