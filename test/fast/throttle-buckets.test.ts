/**
 * The sandbox's token buckets against a controlled clock: every operation's burst and refill rate is the quota table's,
 * per account and per organization, scaled by the time scale. Pure arithmetic: no server, no wall clock.
 */
import { THROTTLE_LIMITS, Throttler } from '../../sandbox/throttle';

function clocked(): { throttler: Throttler; advance(ms: number): void } {
  let now = 0;
  return { throttler: new Throttler(() => now), advance: (ms) => void (now += ms) };
}

function drain(throttler: Throttler, key: string, accountId: string, timeScale: number): number {
  const [service, operation] = key.split(':');
  let taken = 0;
  while (throttler.tryAcquire(service, operation, accountId, timeScale)) taken++;
  return taken;
}

describe.each(Object.entries(THROTTLE_LIMITS))('%s', (key, limits) => {
  const [service, operation] = key.split(':');
  const bound = Math.min(limits.perAccount?.burst ?? Infinity, limits.perOrg?.burst ?? Infinity);
  const rate = Math.min(limits.perAccount?.rate ?? Infinity, limits.perOrg?.rate ?? Infinity);

  test.each([1, 10])('burst, then one token per 1/rate seconds at time scale %d', (timeScale) => {
    const { throttler, advance } = clocked();
    expect(drain(throttler, key, '111111111111', timeScale)).toBe(bound);
    // Just short of one token's refill: still refused; at it: exactly one more call.
    const oneTokenMs = 1000 / (rate * timeScale);
    advance(oneTokenMs * 0.99);
    expect(throttler.tryAcquire(service, operation, '111111111111', timeScale)).toBe(false);
    advance(oneTokenMs * 0.01);
    expect(drain(throttler, key, '111111111111', timeScale)).toBe(1);
    // A long pause refills to the burst, never beyond it.
    advance(oneTokenMs * 1_000);
    expect(drain(throttler, key, '111111111111', timeScale)).toBe(bound);
  });

  if (limits.perOrg && limits.perAccount) {
    test('the organization bucket is shared: a second account gets what the first left of it', () => {
      const { throttler } = clocked();
      const first = drain(throttler, key, '111111111111', 1);
      expect(first).toBe(Math.min(limits.perAccount!.burst, limits.perOrg!.burst));
      expect(drain(throttler, key, '222222222222', 1)).toBe(Math.max(0, Math.min(limits.perAccount!.burst, limits.perOrg!.burst - first)));
    });
  }
});

test('an operation without a quota is never throttled', () => {
  const { throttler } = clocked();
  for (let i = 0; i < 1_000; i++) expect(throttler.tryAcquire('organizations', 'ListTagsForResource', '111111111111', 1)).toBe(true);
});
