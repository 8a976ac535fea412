/**
 * The closure coordinator: one per task queue. It keeps the rolling log of closures that count against AWS's quota
 * (contract/closure-slots.ts) and grants slots first come first served, while the quota has room, fewer than
 * `maxInProgress` closures are in progress, and no faster than CloseAccount's rate. Closures ask through an activity
 * (signal-with-start), are told by signal, and release by signal once their account is SUSPENDED (or when they did not
 * send CloseAccount after all). It lives as long as its log holds closures inside the window: the log is the quota.
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
  acquireClosureSlotSignal,
  closureQuota,
  closureSlotGrantedSignal,
  closureSlotsQuery,
  expectedTurns,
  releaseClosureSlotSignal,
  type ClosureSlotsConfig,
  type ClosureSlotsState,
} from '../contract/closure-slots';

const RECENT_HOLDS = 20;

export async function coordinateClosureSlots(config: ClosureSlotsConfig, carried?: ClosureSlotsState): Promise<void> {
  const state: ClosureSlotsState = carried ?? {
    config,
    memberAccounts: 0,
    waiting: [],
    holders: {},
    used: [],
    tokens: config.burst,
    refilledAt: Date.now(),
    recentHoldMs: [],
    regrant: [],
  };
  let changed = false;

  setHandler(closureSlotsQuery, () => expectedTurns(state, Date.now()));
  setHandler(acquireClosureSlotSignal, ({ requestId, memberAccounts, config: latest }) => {
    // The asking worker's view wins: the organization's size and the configured quota follow the organization.
    state.config = latest;
    state.memberAccounts = memberAccounts;
    // A repeated ask (the activity was retried, or the closure re-asks while it waits) must not queue twice; a holder
    // asking again lost our answer.
    if (requestId in state.holders) {
      if (!state.regrant.includes(requestId)) state.regrant.push(requestId);
    } else if (!state.waiting.includes(requestId)) state.waiting.push(requestId);
    changed = true;
  });
  setHandler(releaseClosureSlotSignal, ({ requestId, outcome }) => {
    const now = Date.now();
    const grantedAt = state.holders[requestId];
    delete state.holders[requestId];
    state.waiting = state.waiting.filter((id) => id !== requestId);
    state.regrant = state.regrant.filter((id) => id !== requestId);
    if (outcome === 'closed') {
      if (grantedAt !== undefined) state.recentHoldMs = [...state.recentHoldMs, now - grantedAt].slice(-RECENT_HOLDS);
    } else {
      // No CloseAccount took effect: its grant does not count against the quota.
      const last = state.used.map((u) => u.id).lastIndexOf(requestId);
      if (last >= 0) state.used.splice(last, 1);
    }
    if (outcome === 'refused-quota' || outcome === 'refused-limit') {
      // AWS knows closures we do not (made in the console, by another tool): believe it, and keep this one first in line.
      const backoff = outcome === 'refused-quota' ? state.config.quotaRefusalBackoffMs : state.config.limitRefusalBackoffMs;
      state.blockedUntil = Math.max(state.blockedUntil ?? 0, now + backoff);
      state.blockedBecause = outcome === 'refused-quota' ? 'aws-quota-refusal' : 'aws-limit-refusal';
      state.waiting.unshift(requestId);
    }
    changed = true;
  });

  const grant = async (requestId: string): Promise<boolean> => {
    try {
      await getExternalWorkflowHandle(requestId).signal(closureSlotGrantedSignal);
      return true;
    } catch {
      return false; // the closure ended (terminated, failed) while waiting
    }
  };

  let idleSince = Date.now();
  for (;;) {
    changed = false;
    const { config: c } = state;
    const now = Date.now();
    state.tokens = Math.min(c.burst, state.tokens + ((now - state.refilledAt) / 1000) * c.closesPerSecond);
    state.refilledAt = now;
    for (const [id, grantedAt] of Object.entries(state.holders)) {
      if (now - grantedAt > c.leaseMs) delete state.holders[id]; // its grant stays in the log: it may have closed
    }
    state.used = state.used.filter((u) => u.at > now - c.windowMs);
    if (state.blockedUntil !== undefined && state.blockedUntil <= now) {
      state.blockedUntil = undefined;
      state.blockedBecause = undefined;
    }

    const quota = closureQuota(state.memberAccounts, c);
    const granting = state.regrant.splice(0);
    const fresh = new Set<string>();
    while (
      state.waiting.length > 0 &&
      Object.keys(state.holders).length < c.maxInProgress &&
      state.used.length < quota &&
      state.tokens >= 1 &&
      state.blockedUntil === undefined
    ) {
      const next = state.waiting.shift() as string;
      state.holders[next] = now;
      state.used.push({ id: next, at: now });
      state.tokens -= 1;
      granting.push(next);
      fresh.add(next);
    }
    // All grants of a round go out together: one workflow task, not one round trip each.
    const delivered = await Promise.all(granting.map(grant));
    granting.forEach((id, i) => {
      if (delivered[i] || !(id in state.holders)) return;
      delete state.holders[id];
      if (fresh.has(id)) {
        state.tokens += 1;
        state.used = state.used.filter((u) => !(u.id === id && u.at === now));
      }
    });

    const busy = state.waiting.length > 0 || Object.keys(state.holders).length > 0;
    if (busy || state.used.length > 0) idleSince = Date.now();
    else if (Date.now() - idleSince >= c.idleMs) {
      await condition(allHandlersFinished);
      if (state.waiting.length === 0 && Object.keys(state.holders).length === 0) return;
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 5_000) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof coordinateClosureSlots>(state.config, state);
    }

    // Sleep until something changes or the next thing that could free a slot: a token, a lease, the oldest closure
    // leaving the window, the end of a refusal's backoff, the idle time.
    const t = Date.now();
    const holding = Object.values(state.holders);
    const waits: number[] = [];
    if (state.waiting.length > 0) {
      if (state.blockedUntil !== undefined) waits.push(state.blockedUntil - t);
      else if (state.used.length >= quota && state.used.length > 0) waits.push(state.used[0].at + c.windowMs - t);
      else if (holding.length < c.maxInProgress && state.tokens < 1) waits.push(((1 - state.tokens) / c.closesPerSecond) * 1000);
    }
    if (holding.length > 0) waits.push(Math.min(...holding) + c.leaseMs - t);
    if (!busy) waits.push(state.used.length > 0 ? state.used[0].at + c.windowMs - t : c.idleMs - (t - idleSince));
    if (waits.length > 0) await condition(() => changed, Math.max(1, Math.ceil(Math.min(...waits))));
    else await condition(() => changed);
  }
}
