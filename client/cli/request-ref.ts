/** A request named on the command line: its id (vend-...) or the account email it was asked for with. */
import { z } from 'zod';
import { AccountEmailSchema } from '../../contract/request';
import { REQUEST_ID_PATTERN, requestIdForEmail } from '../../contract/request-id';

export const RequestRefSchema = z.union(
  [z.string().regex(REQUEST_ID_PATTERN), AccountEmailSchema.transform((email) => requestIdForEmail(email))],
  { error: 'name a request by its id (vend-<24 hex>) or by its account email' },
);
