/**
 * What `vend status|watch|approve|reject|cancel` may name: a vending request (its id vend-..., or its account email)
 * or an account closure (its id close-..., or the 12-digit account id).
 */
import { z } from 'zod';
import { ACCOUNT_ID_PATTERN, CLOSURE_ID_PATTERN, closureIdForAccount } from '../../contract/closure';
import { RequestRefSchema } from './request-ref';

export const ClosureRefSchema = z.union([z.string().regex(CLOSURE_ID_PATTERN), z.string().regex(ACCOUNT_ID_PATTERN).transform(closureIdForAccount)], {
  error: 'name a closure by its id (close-<account id>) or by the 12-digit account id',
});

export type AnyRef = { kind: 'request'; id: string } | { kind: 'closure'; id: string };

export const AnyRefSchema = z.union(
  [
    ClosureRefSchema.transform((id): AnyRef => ({ kind: 'closure', id })),
    RequestRefSchema.transform((id): AnyRef => ({ kind: 'request', id })),
  ],
  { error: 'name a request by its id (vend-<24 hex>) or account email, or a closure by its id (close-<account id>) or account id' },
);
