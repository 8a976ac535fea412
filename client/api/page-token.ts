/**
 * The list's page token: Temporal's own next-page token, prefixed with a checksum over it and the list's filters.
 * Temporal answers a token it did not issue with UNKNOWN after its client's retries (seconds later, and as if it
 * were our fault); the checksum lets the API refuse garbage, or a token reused with other filters, at once with a
 * 400. It is not a secret MAC: it guards against mistakes, and what a forger reaches is Temporal's own check.
 */
import { createHash } from 'node:crypto';

const CHECKSUM_BYTES = 8;

export function encodePageToken(temporalToken: Buffer, filters: string): string {
  return Buffer.concat([checksum(temporalToken, filters), temporalToken]).toString('base64url');
}

/** Temporal's token, or undefined when the token is not one this API handed out for these filters. */
export function decodePageToken(token: string, filters: string): Buffer | undefined {
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length <= CHECKSUM_BYTES) return undefined;
  const temporalToken = bytes.subarray(CHECKSUM_BYTES);
  return checksum(temporalToken, filters).equals(bytes.subarray(0, CHECKSUM_BYTES)) ? temporalToken : undefined;
}

function checksum(temporalToken: Buffer, filters: string): Buffer {
  return createHash('sha256').update(filters).update('\u0000').update(temporalToken).digest().subarray(0, CHECKSUM_BYTES);
}
