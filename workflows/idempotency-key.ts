/**
 * Holds an Idempotency-Key for its window: the workflow's id is the reservation (contract/idempotency-key.ts), its
 * memo what the key was used for. It does nothing but wait; when it ends, the key may be used again.
 */
import { sleep } from '@temporalio/workflow';
import { type HoldIdempotencyKeyInput } from '../contract/idempotency-key';

export async function holdIdempotencyKey(input: HoldIdempotencyKeyInput): Promise<void> {
  await sleep(input.windowMs);
}
