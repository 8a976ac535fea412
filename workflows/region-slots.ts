/**
 * The region-slot coordinator: grants (account, region) pairs in request order while fewer than
 * `maxInFlightPerOrganization` are held org-wide and fewer than `maxInFlightPerAccount` for that account. Vending
 * workflows ask through an activity (signal-with-start), are told by signal, and release by signal once their
 * regions are ENABLED. Same shape as the creation-slot coordinator (creation-slots.ts): leases for holders that
 * vanish, re-grants for holders that ask again, state carried over continue-as-new, ends when idle.
 */
import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  acquireRegionSlotsSignal,
  regionSlotsGrantedSignal,
  regionSlotsQuery,
  releaseRegionSlotsSignal,
  type RegionSlotsConfig,
  type RegionSlotsState,
} from '../contract/region-slots';

const slotKey = (requestId: string, region: string) => `${requestId}|${region}`;

export async function coordinateRegionSlots(config: RegionSlotsConfig, carried?: RegionSlotsState): Promise<void> {
  const state: RegionSlotsState = carried ?? { waiting: [], holders: {}, regrant: [], peakOrganization: 0, peakAccount: 0 };
  let changed = false;

  setHandler(regionSlotsQuery, () => state);
  setHandler(acquireRegionSlotsSignal, ({ requestId, accountId, regions }) => {
    for (const region of regions) {
      const key = slotKey(requestId, region);
      if (key in state.holders) {
        // A holder asking again lost our grant (its wait timed out): sent again, not queued twice.
        if (!state.regrant.includes(key)) state.regrant.push(key);
        state.holders[key].grantedAt = Date.now();
      } else if (!state.waiting.some((w) => w.requestId === requestId && w.region === region)) {
        state.waiting.push({ requestId, accountId, region });
      }
    }
    changed = true;
  });
  setHandler(releaseRegionSlotsSignal, ({ requestId, regions }) => {
    for (const region of regions) delete state.holders[slotKey(requestId, region)];
    state.waiting = state.waiting.filter((w) => !(w.requestId === requestId && regions.includes(w.region)));
    changed = true;
  });

  const heldBy = (accountId: string) => Object.values(state.holders).filter((h) => h.accountId === accountId).length;

  let idleSince = Date.now();
  for (;;) {
    changed = false;
    const now = Date.now();
    for (const [key, holder] of Object.entries(state.holders)) if (now - holder.grantedAt > config.leaseMs) delete state.holders[key];

    // Grants of a round, by request: one signal per request, however many regions it gets.
    const grants = new Map<string, string[]>();
    for (const key of state.regrant.splice(0)) {
      const holder = state.holders[key];
      if (holder) grants.set(holder.requestId, [...(grants.get(holder.requestId) ?? []), holder.region]);
    }
    const fresh = new Set<string>();
    for (let i = 0; i < state.waiting.length && Object.keys(state.holders).length < config.maxInFlightPerOrganization; ) {
      const next = state.waiting[i];
      if (heldBy(next.accountId) >= config.maxInFlightPerAccount) {
        i++; // this account is full; a later request's account may not be
        continue;
      }
      state.waiting.splice(i, 1);
      const key = slotKey(next.requestId, next.region);
      state.holders[key] = { ...next, grantedAt: Date.now() };
      fresh.add(key);
      grants.set(next.requestId, [...(grants.get(next.requestId) ?? []), next.region]);
      state.peakOrganization = Math.max(state.peakOrganization, Object.keys(state.holders).length);
      state.peakAccount = Math.max(state.peakAccount, heldBy(next.accountId));
    }
    const requests = [...grants.keys()];
    const delivered = await Promise.all(
      requests.map(async (requestId) => {
        try {
          await getExternalWorkflowHandle(requestId).signal(regionSlotsGrantedSignal, { regions: grants.get(requestId) as string[] });
          return true;
        } catch {
          return false; // the request ended while waiting
        }
      }),
    );
    requests.forEach((requestId, i) => {
      if (delivered[i]) return;
      for (const region of grants.get(requestId) as string[]) delete state.holders[slotKey(requestId, region)];
      state.waiting = state.waiting.filter((w) => w.requestId !== requestId);
    });

    const busy = state.waiting.length > 0 || Object.keys(state.holders).length > 0;
    if (busy) idleSince = Date.now();
    else if (Date.now() - idleSince >= config.idleMs) {
      await condition(allHandlersFinished);
      if (state.waiting.length === 0 && Object.keys(state.holders).length === 0) return;
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 5_000) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof coordinateRegionSlots>(config, state);
    }
    const holders = Object.values(state.holders);
    const leaseWaitMs = holders.length > 0 ? Math.max(1, Math.min(...holders.map((h) => h.grantedAt)) + config.leaseMs - Date.now()) : undefined;
    const idleWaitMs = busy ? undefined : Math.max(1, config.idleMs - (Date.now() - idleSince));
    const waits = [leaseWaitMs, idleWaitMs].filter((w): w is number => w !== undefined);
    if (waits.length > 0) await condition(() => changed, Math.min(...waits));
    else await condition(() => changed);
  }
}
