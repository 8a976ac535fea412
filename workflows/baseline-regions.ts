/**
 * The regions step inside the workflow: regions already on need nothing; the others are asked of the org's region
 * coordinator (workflows/region-slots.ts) and each grant is enabled by one activity, which polls until ENABLED. Every
 * region asked for is released again on every path (done, failed, cancelled), so no slot stays held. The wait for
 * grants is bounded: a coordinator that was terminated never answers, so the request asks again.
 */
import { ApplicationFailure, CancellationScope, condition, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import { BASELINE_LOOP_CAPS, type BaselinePolicy } from '../contract/baseline';
import { regionSlotsGrantedSignal, regionSlotsWorkflowId, releaseRegionSlotsSignal } from '../contract/region-slots';
import { type BaselineActivityProxies } from './baseline-activities';

export async function enableRegions(acts: BaselineActivityProxies, policy: BaselinePolicy, accountId: string, regions: string[]): Promise<string> {
  const { enabled, pending } = await acts.regionStatus.regionOptStatuses({ accountId, regions });
  if (pending.length === 0) return `${regions.length} region(s) already enabled: ${regions.join(', ')}`;

  const { workflowId: requestId, taskQueue } = workflowInfo();
  const granted: string[] = [];
  setHandler(regionSlotsGrantedSignal, ({ regions: grant }) => {
    granted.push(...grant.filter((r) => pending.includes(r)));
  });
  const started = new Set<string>();
  const running: Promise<void>[] = [];
  let failure: unknown;
  const ask = (asked: string[]) => acts.regionSlots.acquireRegionSlots({ requestId, taskQueue, accountId, regions: asked });
  const release = (released: string[]) =>
    CancellationScope.nonCancellable(async () => {
      try {
        await getExternalWorkflowHandle(regionSlotsWorkflowId(taskQueue)).signal(releaseRegionSlotsSignal, { requestId, regions: released });
      } catch {
        // The coordinator ended (idle) or was reset: nothing is held there any more.
      }
    });

  let coordinated = false;
  try {
    coordinated = (await ask(pending)).coordinated;
    if (!coordinated) granted.push(...pending);
    let asks = 1;
    while (started.size < pending.length && failure === undefined) {
      const fresh = [...new Set(granted.splice(0))].filter((r) => !started.has(r));
      if (fresh.length > 0) {
        fresh.forEach((r) => started.add(r));
        const batch = acts.regions.enableRegions({ accountId, regions: fresh, pollIntervalMs: policy.pollIntervalMs }).then(
          () => undefined,
          (err: unknown) => void (failure ??= err),
        );
        running.push(coordinated ? batch.then(() => release(fresh)) : batch);
        continue;
      }
      if (!(await condition(() => granted.length > 0 || failure !== undefined, policy.regionSlotWaitMs))) {
        if (++asks > BASELINE_LOOP_CAPS.regionSlotAsks) {
          throw ApplicationFailure.nonRetryable(`no region slot was granted after ${asks - 1} asks`, 'RegionSlotUnavailable');
        }
        await ask(pending.filter((r) => !started.has(r)));
      }
    }
    await Promise.all(running);
  } finally {
    // Everything not released by its batch: queued, granted but not started, or a batch still running at cancellation.
    if (coordinated) await release(pending.filter((r) => !started.has(r) || failure !== undefined));
  }
  if (failure !== undefined) throw failure;
  return `${regions.length} region(s) enabled: ${pending.join(', ')} now${enabled.length ? `, ${enabled.join(', ')} already` : ''}`;
}
