/**
 * The quota floor: the earliest time N account creations can all be done under AWS's quotas, whatever the tool.
 * A creation needs a CreateAccount token (0.1/s, burst 3) and one of the 5 in-flight slots for its creation time;
 * starting each creation as early as both allow (greedy) is optimal for identical jobs, so simulating it gives the
 * exact minimum. See bench/README.md for the closed form.
 */
export interface QuotaFloorInput {
  accounts: number;
  /** AWS time one creation stays IN_PROGRESS. */
  creationMs: number;
  /** CreateAccount refill, per second, and bucket size. */
  createRatePerSecond: number;
  createBurst: number;
  /** Creations in progress at once per organization. */
  maxInFlight: number;
  /** AWS time after SUCCEEDED until a role in the account can be assumed (nobody can use the account earlier). */
  readyDelayMs: number;
}

export interface QuotaFloor {
  /** AWS ms from the first request to the last account usable. */
  floorMs: number;
  /** The lower bound each quota alone sets (the larger one binds). */
  concurrencyBoundMs: number;
  rateBoundMs: number;
  binding: 'in-flight slots' | 'CreateAccount rate';
}

export function quotaFloor(q: QuotaFloorInput): QuotaFloor {
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
  const floorMs = starts[starts.length - 1] + q.creationMs + q.readyDelayMs;
  const concurrencyBoundMs = Math.ceil(q.accounts / q.maxInFlight) * q.creationMs + q.readyDelayMs;
  const rateBoundMs = Math.max(0, q.accounts - q.createBurst) * msPerToken + q.creationMs + q.readyDelayMs;
  return { floorMs, concurrencyBoundMs, rateBoundMs, binding: concurrencyBoundMs >= rateBoundMs ? 'in-flight slots' : 'CreateAccount rate' };
}
