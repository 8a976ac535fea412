/**
 * The value of the `AccountEmail` search attribute. Search attributes are indexed in plain text and a payload codec
 * does not touch them, so with encryption on the attribute holds a keyed hash of the normalized email instead:
 * whoever knows the email (and can call the API) can still find its request; whoever reads visibility cannot learn
 * the email, nor confirm a guess without the key.
 */
import { createHmac } from 'node:crypto';
import { normalizeEmail } from '../contract/request';

/** The same normalization as the workflow id and the list's email filter: there is one, in contract/request.ts. */
export { normalizeEmail };

export type EmailSearchValue = (email: string) => string;

/** HMAC-SHA256(key, normalized email), hex (64 characters): a Keyword a visibility query can match exactly. */
export function hmacEmailSearchValue(hmacKeyBase64: string): EmailSearchValue {
  const key = Buffer.from(hmacKeyBase64, 'base64');
  return (email) => createHmac('sha256', key).update(normalizeEmail(email)).digest('hex');
}

/** Without encryption the attribute holds the normalized email itself (the historic behaviour). */
export const plainEmailSearchValue: EmailSearchValue = (email) => normalizeEmail(email);
