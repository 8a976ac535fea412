/**
 * An Idempotency-Key held by a tiny workflow whose id is derived from (task queue, requester, key): Temporal's
 * workflow-id uniqueness is strongly consistent, so of any number of concurrent POSTs with one key exactly one
 * reserves it, and every other one reads what it was reserved for (its memo) instead of starting anything.
 */
export const IDEMPOTENCY_KEY_WORKFLOW_TYPE = 'holdIdempotencyKey';
export const IDEMPOTENCY_KEY_MEMO_KEY = 'idempotencyKey';

/** `keyHash` is a hash of requester and key, so neither appears in the id. */
export function idempotencyKeyWorkflowId(taskQueue: string, keyHash: string): string {
  return `${taskQueue}.idempotency-key.${keyHash}`;
}

/** What a key was first used for: the body's hash and the request id that body names. */
export interface IdempotencyKeyReservation {
  body: string;
  requestId: string;
}

export interface HoldIdempotencyKeyInput {
  /** How long the key stays taken; a key sent again after that is a new key. */
  windowMs: number;
}
