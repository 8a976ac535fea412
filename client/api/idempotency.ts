/**
 * Idempotent POSTs without a store of our own. A POST with an Idempotency-Key first reserves the key: a tiny workflow
 * whose id derives from hash(requester, key) and whose memo holds the body's hash and the request id
 * (contract/idempotency-key.ts). Workflow ids are unique and strongly consistent, so of concurrent POSTs with one
 * key exactly one reserves it and the others compare bodies: another body is IDEMPOTENCY_KEY_REUSED, the same body
 * is answered with the request it names (the vending workflow's memo carries the same fingerprint, so a repeat is
 * told from another request for the same email).
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
