/**
 * Idempotent POSTs without a store of our own: the workflow started by a POST carries, in its memo, a hash of
 * (requester, Idempotency-Key) and a hash of the canonical body. A repeat is recognised either because the email
 * maps to the same workflow id (Temporal refuses the second start) or, for a key reused with another email, by
 * looking the key's hash up in visibility (client/temporal.ts findByIdempotencyKey).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type IdempotencyFingerprint } from '../temporal';

/** Printable ASCII without spaces, as most APIs that take the header accept (Stripe, the IETF draft's examples). */
export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7E]+$/, 'an Idempotency-Key is 1-255 printable ASCII characters without spaces');

/** How long a key is remembered: after that, a key sent again is a new key (as with Stripe's 24 hours). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

export function fingerprintOf(requester: string, key: string, body: unknown): IdempotencyFingerprint {
  return { key: sha256(`${requester}\u0000${key}`), body: sha256(canonicalJson(body)) };
}

export type IdempotencyVerdict = 'repeat' | 'key-reused' | 'unrelated';

/** Compares the fingerprint of this POST with the one an existing request was started with. */
export function compareFingerprints(mine: IdempotencyFingerprint | undefined, theirs: IdempotencyFingerprint | undefined): IdempotencyVerdict {
  if (!mine || !theirs || mine.key !== theirs.key) return 'unrelated';
  return mine.body === theirs.body ? 'repeat' : 'key-reused';
}

/** JSON with object keys sorted at every level, so {"a":1,"b":2} and {"b":2,"a":1} are the same body. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
