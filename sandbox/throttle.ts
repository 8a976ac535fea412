/**
 * AWS's API throttling, modelled as token buckets with the published per-operation rates and bursts
 * (contract/aws-quotas.ts). Where AWS has both a per-account and a per-organization quota, a call needs a token from
 * both. Refill rates are multiplied by the time scale; burst sizes stay as they are (a burst is a count, not a time).
 */

export { THROTTLE_LIMITS, type BucketLimit, type OperationLimits } from '../contract/aws-quotas';
import { THROTTLE_LIMITS, type BucketLimit } from '../contract/aws-quotas';

class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: BucketLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.last = now;
  }

  private refill(now: number, timeScale: number): void {
    const elapsedSeconds = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsedSeconds * this.limit.rate * timeScale);
    this.last = now;
  }

  available(now: number, timeScale: number): boolean {
    this.refill(now, timeScale);
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
  }
}

export class Throttler {
  private buckets = new Map<string, TokenBucket>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  private bucket(key: string, limit: BucketLimit): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(limit, this.now());
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /**
   * Takes a token for `service:operation` on behalf of `accountId` (and its organization). Returns false when the
   * call must be answered with the service's throttling error; then no token is consumed from any bucket.
   */
  tryAcquire(service: string, operation: string, accountId: string, timeScale: number): boolean {
    const key = `${service}:${operation}`;
    const limits = THROTTLE_LIMITS[key];
    if (!limits) return true;
    const now = this.now();
    const buckets: TokenBucket[] = [];
    if (limits.perAccount) buckets.push(this.bucket(`${key}@${accountId}`, limits.perAccount));
    if (limits.perOrg) buckets.push(this.bucket(`${key}@org`, limits.perOrg));
    if (!buckets.every((b) => b.available(now, timeScale))) return false;
    for (const b of buckets) b.take();
    return true;
  }

  reset(): void {
    this.buckets.clear();
  }
}
