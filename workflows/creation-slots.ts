/**
 * The creation-slot coordinator: a semaphore of `maxInFlight` slots, granted first come first served and no faster
 * than CreateAccount's token bucket refills. Vending workflows ask through an activity (signal-with-start, so the
 * coordinator exists whenever someone waits), are told by signal, and release by signal when their creation ends.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  acquireCreationSlotSignal,
  creationSlotGrantedSignal,
  creationSlotsQuery,
  releaseCreationSlotSignal,
  type CreationSlotsConfig,
  type CreationSlotsState,
} from '../contract/creation-slots';

export async function coordinateCreationSlots(config: CreationSlotsConfig, carried?: CreationSlotsState): Promise<void> {
  const state: CreationSlotsState = carried ?? { waiting: [], holders: {}, tokens: config.burst, refilledAt: Date.now() };
  // Carried in the state so that a re-ask that arrives just before continue-as-new is not lost with the old run.
  const regrant: string[] = (state.regrant ??= []);
  let changed = false;

  setHandler(creationSlotsQuery, () => state);
  setHandler(acquireCreationSlotSignal, ({ requestId }) => {
    // A repeated ask (the asking activity was retried) must not queue twice; a holder asking again lost our answer.
    if (requestId in state.holders) {
      if (!regrant.includes(requestId)) regrant.push(requestId);
    }
    else if (!state.waiting.includes(requestId)) state.waiting.push(requestId);
    changed = true;
  });
  setHandler(releaseCreationSlotSignal, ({ requestId }) => {
    delete state.holders[requestId];
    state.waiting = state.waiting.filter((id) => id !== requestId);
    changed = true;
  });

  const refill = () => {
    const now = Date.now();
    state.tokens = Math.min(config.burst, state.tokens + ((now - state.refilledAt) / 1000) * config.createsPerSecond);
    state.refilledAt = now;
  };
  const grant = async (requestId: string): Promise<boolean> => {
    try {
      await getExternalWorkflowHandle(requestId).signal(creationSlotGrantedSignal);
      return true;
    } catch {
      return false; // the request ended (cancelled, terminated) while waiting
    }
  };

  let idleSince = Date.now();
  for (;;) {
    // Reset before looking, so that a signal handled during the awaits below wakes the next round at once.
    changed = false;
    refill();
    const now = Date.now();
    for (const [id, grantedAt] of Object.entries(state.holders)) {
      if (now - grantedAt > config.leaseMs) delete state.holders[id];
    }
    const granting: string[] = regrant.splice(0);
    const fresh = new Set<string>();
    while (state.waiting.length > 0 && Object.keys(state.holders).length < config.maxInFlight && state.tokens >= 1) {
      const next = state.waiting.shift() as string;
      state.holders[next] = Date.now();
      state.tokens -= 1;
      granting.push(next);
      fresh.add(next);
    }
    // All grants of a round go out together: one workflow task, not one round trip each.
    const delivered = await Promise.all(granting.map(grant));
    granting.forEach((id, i) => {
      if (!delivered[i] && id in state.holders) {
        delete state.holders[id];
        if (fresh.has(id)) state.tokens += 1;
      }
    });

    const busy = state.waiting.length > 0 || Object.keys(state.holders).length > 0;
    if (busy) idleSince = Date.now();
    else if (Date.now() - idleSince >= config.idleMs) {
      await condition(allHandlersFinished);
      if (state.waiting.length === 0 && Object.keys(state.holders).length === 0) return;
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 5_000) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof coordinateCreationSlots>(config, state);
    }

    // Sleep until something changes, the next token arrives (when someone could use it), or the idle time is up.
    const slotFree = Object.keys(state.holders).length < config.maxInFlight;
    const tokenWaitMs = state.waiting.length > 0 && slotFree && state.tokens < 1
      ? Math.ceil(((1 - state.tokens) / config.createsPerSecond) * 1000)
      : undefined;
    const leaseWaitMs = Object.values(state.holders).length > 0
      ? Math.max(1, Math.min(...Object.values(state.holders)) + config.leaseMs - Date.now())
      : undefined;
    const idleWaitMs = busy ? undefined : Math.max(1, config.idleMs - (Date.now() - idleSince));
    const waits = [tokenWaitMs, leaseWaitMs, idleWaitMs].filter((w): w is number => w !== undefined);
    if (waits.length > 0) await condition(() => changed, Math.min(...waits));
    else await condition(() => changed);
  }
}
