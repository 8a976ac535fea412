/**
 * The workflow id of a request, derived from the account email: Temporal refuses a second live workflow with the
 * same id, so one email can never have two vending runs at once, and a retried POST finds the first one.
 * A hash, not the email itself, so the id does not spread the address into logs and URLs. Client-side only
 * (node:crypto); workflows never import this file.
 */
import { createHash } from 'node:crypto';
import { normalizeEmail } from './request';

export function requestIdForEmail(email: string): string {
  return `vend-${createHash('sha256').update(normalizeEmail(email)).digest('hex').slice(0, 24)}`;
}

export const REQUEST_ID_PATTERN = /^vend-[0-9a-f]{24}$/;
