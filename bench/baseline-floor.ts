/**
 * The floor of a baseline run: the earliest time N accounts can all have their opt-in regions ENABLED under AWS's
 * quotas together, whatever the tool. Account k is usable at the creation floor's time for it (bench/floor.ts: 5
 * creations in flight, CreateAccount 0.1/s, burst 3, plus the ready delay); its regions can be enabled from then on,
 * each change takes the enable time, and at most 50 run at once in the organization and 6 in one account. Starting
 * each change as early as the caps allow, in order of release, is optimal for changes of equal length.
 *
 * Assignments need no quota slot and can run beside the regions: their latency counts only where it is longer than
 * the account's regions.
 */
export interface BaselineFloorInput {
  /** Creation starts (AWS ms), one per account, as the creation floor schedules them. */
  usableAtMs: number[];
  regionsPerAccount: number;
  regionEnableMs: number;
  assignmentMs: number;
  maxRegionChangesPerOrganization: number;
  maxRegionChangesPerAccount: number;
}

export function baselineFloorMs(q: BaselineFloorInput): number {
  const free: number[] = Array(q.maxRegionChangesPerOrganization).fill(0);
  let last = 0;
  for (const usable of [...q.usableAtMs].sort((a, b) => a - b)) {
    // One account's regions: in waves of at most the per-account cap, each on the org's earliest free place.
    const accountFree: number[] = Array(Math.min(q.maxRegionChangesPerAccount, q.regionsPerAccount)).fill(usable);
    let done = usable + q.assignmentMs;
    for (let r = 0; r < q.regionsPerAccount; r++) {
      accountFree.sort((a, b) => a - b);
      free.sort((a, b) => a - b);
      const start = Math.max(free[0], accountFree[0]);
      const end = start + q.regionEnableMs;
      free[0] = end;
      accountFree[0] = end;
      done = Math.max(done, end);
    }
    last = Math.max(last, done);
  }
  return last;
}

/** Creation-floor times at which each account becomes usable (the same greedy schedule as bench/floor.ts). */
export function usableTimes(q: { accounts: number; creationMs: number; createRatePerSecond: number; createBurst: number; maxInFlight: number; readyDelayMs: number }): number[] {
  const starts: number[] = [];
  let tokens = q.createBurst;
  let last = 0;
  const msPerToken = 1000 / q.createRatePerSecond;
  for (let k = 0; k < q.accounts; k++) {
    let t = Math.max(last, k >= q.maxInFlight ? starts[k - q.maxInFlight] + q.creationMs : 0);
    tokens = Math.min(q.createBurst, tokens + (t - last) / msPerToken);
    if (tokens < 1) {
      t += (1 - tokens) * msPerToken;
      tokens = 1;
    }
    tokens -= 1;
    starts.push(t);
    last = t;
  }
  return starts.map((s) => s + q.creationMs + q.readyDelayMs);
}
