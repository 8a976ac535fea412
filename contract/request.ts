/**
 * The account request as the API accepts it and the workflow receives it. The limits are AWS's own
 * (reference/aws-facts.md) so that a bad request is refused here, before any workflow starts.
 */
import { z } from 'zod';

/** AWS: 6-64 chars, `[^\s@]+@[^\s@]+\.[^\s@]+`. */
export const AccountEmailSchema = z
  .string()
  .min(6, 'an AWS account email has at least 6 characters')
  .max(64, 'an AWS account email has at most 64 characters')
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'not a valid email address');

/** AWS: 1-50 printable ASCII characters. */
export const AccountNameSchema = z
  .string()
  .min(1, 'accountName is required')
  .max(50, 'an AWS account name has at most 50 characters')
  .regex(/^[\u0020-\u007E]+$/, 'an AWS account name holds printable ASCII characters only');

/** An OU name (as seeded, e.g. "Workloads") or an OU id. */
export const OrganizationalUnitSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|[\w+=,.@ -]{1,128})$/, 'an OU name or an id like ou-ab12-cd34ef56');

export const TagsSchema = z
  .record(
    z.string().min(1).max(128).regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, 'tag keys use letters, digits, spaces and _.:/=+-@'),
    z.string().max(256).regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, 'tag values use letters, digits, spaces and _.:/=+-@'),
  )
  .refine((tags) => Object.keys(tags).length <= 45, 'at most 45 tags (AWS allows 50; 5 are reserved for the vending tags)')
  .refine((tags) => !Object.keys(tags).some((k) => k.toLowerCase().startsWith('aws:')), 'tag keys may not start with aws:');

export const AlternateContactSchema = z.object({
  name: z.string().min(1).max(64),
  title: z.string().min(1).max(50),
  email: z.string().min(1).max(254).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'not a valid email address'),
  phone: z.string().min(1).max(25).regex(/^[\s0-9()+-]+$/, 'a phone number holds digits, spaces and ()+- only'),
});

export const AlternateContactsSchema = z
  .object({
    billing: AlternateContactSchema.optional(),
    operations: AlternateContactSchema.optional(),
    security: AlternateContactSchema.optional(),
  })
  .strict();

export const AccountRequestSchema = z
  .object({
    accountName: AccountNameSchema,
    email: AccountEmailSchema,
    organizationalUnit: OrganizationalUnitSchema,
    tags: TagsSchema.optional(),
    alternateContacts: AlternateContactsSchema.optional(),
    justification: z.string().max(1000).optional(),
  })
  .strict();

export type AccountRequest = z.infer<typeof AccountRequestSchema>;
export type AlternateContact = z.infer<typeof AlternateContactSchema>;
