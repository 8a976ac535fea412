/**
 * The closure workflow's side of the closure coordinator: ask, wait for the grant (or for a cancel, or the slot
 * deadline), and give the slot back with what became of it. The wait is bounded: a coordinator that was terminated or
 * reset never answers, so the closure asks again (signal-with-start starts a new one) every `waitMs`.
 */
import { CancellationScope, condition, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import { closureSlotGrantedSignal, closureSlotsWorkflowId, releaseClosureSlotSignal, type ClosureSlotOutcome } from '../contract/closure-slots';
import { type ClosureActivityProxies } from './closure-activity-proxies';

export type SlotTurn = 'granted' | 'stopped' | 'deadline';

export function closureSlotHolder(acts: ClosureActivityProxies, opts: { waitMs: number; deadlineMs: number; stop: () => boolean }) {
  let granted = false;
  let coordinated = true;
  let giveUpAt: number | undefined;
  setHandler(closureSlotGrantedSignal, () => {
    granted = true;
  });
  const { workflowId: requestId, taskQueue } = workflowInfo();
  const ask = async () => {
    ({ coordinated } = await acts.aws.acquireClosureSlot({ requestId, taskQueue }));
  };

  /** Waits for the grant, asking again every waitMs; `stopped` when `stop()` turns true first. */
  const waitForGrant = async (): Promise<SlotTurn> => {
    giveUpAt ??= Date.now() + opts.deadlineMs;
    for (;;) {
      if (granted) return 'granted';
      if (opts.stop()) return 'stopped';
      const remaining = giveUpAt - Date.now();
      if (remaining <= 0) return 'deadline';
      if (await condition(() => granted || opts.stop(), Math.min(opts.waitMs, remaining))) continue;
      if (Date.now() < giveUpAt) await ask();
    }
  };

  return {
    /** Queues the closure; resolves once it holds a slot (or is stopped, or the slot deadline passed). */
    async acquire(): Promise<SlotTurn> {
      granted = false;
      await ask();
      if (!coordinated) return opts.stop() ? 'stopped' : 'granted';
      return waitForGrant();
    },

    /** AWS refused the CloseAccount this slot was for: give it back (the coordinator keeps us first) and wait again. */
    async refusedWaitAgain(outcome: Extract<ClosureSlotOutcome, 'refused-quota' | 'refused-limit'>, uncoordinatedPauseMs: number): Promise<SlotTurn> {
      granted = false;
      if (!coordinated) {
        // Nobody coordinates: wait out AWS's refusal on our own, then try again.
        await condition(opts.stop, uncoordinatedPauseMs);
        return opts.stop() ? 'stopped' : 'granted';
      }
      await this.release(outcome);
      return waitForGrant();
    },

    /** Gives the slot (or the place in line) back, on every path, also when the closure is being cancelled. */
    async release(outcome: ClosureSlotOutcome): Promise<void> {
      if (!coordinated) return;
      await CancellationScope.nonCancellable(async () => {
        try {
          await getExternalWorkflowHandle(closureSlotsWorkflowId(taskQueue)).signal(releaseClosureSlotSignal, { requestId, outcome });
        } catch {
          // The coordinator ended or was reset: there is no slot left to give back.
        }
      });
    },
  };
}

export type ClosureSlotHolder = ReturnType<typeof closureSlotHolder>;
