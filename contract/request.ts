/**
 * The account request: as the API accepts a new one, and as the workflow receives it. The limits are AWS's own so
 * that a bad request is refused here, before any workflow starts. Every text field of a new request also refuses
 * control and format characters (contract/text.ts): they would hide or repaint what people read in terminals, logs
 * and the Web UI.
 */
import { z } from 'zod';
import { hasUnsafeCharacters, noteText, plainText, UNSAFE_TEXT_MESSAGE } from './text';

/**
 * The one normalisation of an account email (trim, lower-case): the request id, the AccountEmail search value and
 * the list's email filter all go through it, so a request is always found again under the address it was asked with.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

// ---- a new request -------------------------------------------------------------------------------------------------

/** AWS's CreateAccount email shape: `[^\s@]+@[^\s@]+\.[^\s@]+`. */
const AWS_ACCOUNT_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/**
 * Narrower than AWS: letters, digits and `. _ + -` around the `@`. Those are the characters a visibility query can
 * match (client/temporal.ts visibilityString), so every accepted request can be found again with `?email=`.
 */
const SEARCHABLE_EMAIL = /^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

export const NON_ASCII_EMAIL_MESSAGE =
  'holds non-ASCII characters; a letter that looks Latin (Cyrillic "а", Greek "ο", fullwidth "ａ") is another address: type it in plain ASCII';

/** The first thing wrong with an email, checked in an order that gives the clearest message. */
function emailProblem(email: string, shape: RegExp, alphabet?: { pattern: RegExp; message: string }): string | undefined {
  if (hasUnsafeCharacters(email)) return UNSAFE_TEXT_MESSAGE;
  if (!PRINTABLE_ASCII.test(email)) return NON_ASCII_EMAIL_MESSAGE;
  if (!shape.test(email)) return 'not a valid email address';
  if (alphabet && !alphabet.pattern.test(email)) return alphabet.message;
  return undefined;
}

function emailSchema(base: z.ZodString, shape: RegExp, alphabet?: { pattern: RegExp; message: string }): z.ZodString {
  return base.superRefine((email, ctx) => {
    const problem = emailProblem(email, shape, alphabet);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** The account's root email: AWS's 6-64 characters and shape, ASCII, and searchable. */
export const AccountEmailSchema = emailSchema(
  z.string().min(6, 'an AWS account email has at least 6 characters').max(64, 'an AWS account email has at most 64 characters'),
  AWS_ACCOUNT_EMAIL,
  { pattern: SEARCHABLE_EMAIL, message: 'an account email holds letters, digits and . _ + - around one @ only' },
);

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

/** AWS's tag alphabet; \p{Z} would let the line and paragraph separators (Zl, Zp) in, so plainText() takes them out. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const TagsSchema = z
  .record(
    plainText(z.string().min(1).max(128).regex(TAG_TEXT, 'tag keys use letters, digits, spaces and _.:/=+-@')),
    plainText(z.string().max(256).regex(TAG_TEXT, 'tag values use letters, digits, spaces and _.:/=+-@')),
  )
  .refine((tags) => Object.keys(tags).length <= 45, 'at most 45 tags (AWS allows 50; 5 are reserved for the vending tags)')
  .refine((tags) => !Object.keys(tags).some((k) => k.toLowerCase().startsWith('aws:')), 'tag keys may not start with aws:');

/** AWS PutAlternateContact: name 1-64, title 1-50, email 1-254 of its own pattern, phone 1-25 of `[\s0-9()+-]`. */
export const AlternateContactSchema = z
  .object({
    name: plainText(z.string().min(1).max(64)),
    title: plainText(z.string().min(1).max(50)),
    email: emailSchema(z.string().min(1).max(254), /^[\w+=.#|!&-]+@[\w.-]+\.\w+$/),
    phone: plainText(z.string().min(1).max(25).regex(/^[ 0-9()+-]+$/, 'a phone number holds digits, spaces and ()+- only')),
  })
  .strict();

export const AlternateContactsSchema = z
  .object({
    billing: AlternateContactSchema.optional(),
    operations: AlternateContactSchema.optional(),
    security: AlternateContactSchema.optional(),
  })
  .strict();

/** A blueprint's name (blueprints/<name>.yaml): lower-case letters, digits and -. */
export const BlueprintNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a blueprint name: lower-case letters, digits and -, at most 63');

/** A new request, as the API and the CLI accept it today. */
export const NewAccountRequestSchema = z
  .object({
    accountName: AccountNameSchema,
    email: AccountEmailSchema,
    organizationalUnit: OrganizationalUnitSchema,
    tags: TagsSchema.optional(),
    alternateContacts: AlternateContactsSchema.optional(),
    justification: noteText(z.string().max(1000)).optional(),
    /** The day-1 blueprint (GET /v1/blueprints); unset: the OU's default blueprint, if it has one. */
    blueprint: BlueprintNameSchema.optional(),
  })
  .strict();

// ---- what a started workflow was given ------------------------------------------------------------------------------

/**
 * The workflow's input (contract/vending.ts): what any earlier version of the API accepted. A workflow in flight
 * parses its input again on every replay, so this schema may never become stricter than it was, or an upgrade would
 * break requests in flight; new rules for new requests go into NewAccountRequestSchema above.
 */
const StartedAlternateContactSchema = z.object({
  name: z.string().min(1).max(64),
  title: z.string().min(1).max(50),
  email: z.string().min(1).max(254).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'not a valid email address'),
  phone: z.string().min(1).max(25).regex(/^[\s0-9()+-]+$/, 'a phone number holds digits, spaces and ()+- only'),
});

export const AccountRequestSchema = z
  .object({
    accountName: AccountNameSchema,
    email: z
      .string()
      .min(6, 'an AWS account email has at least 6 characters')
      .max(64, 'an AWS account email has at most 64 characters')
      .regex(AWS_ACCOUNT_EMAIL, 'not a valid email address'),
    organizationalUnit: OrganizationalUnitSchema,
    tags: z
      .record(
        z.string().min(1).max(128).regex(TAG_TEXT, 'tag keys use letters, digits, spaces and _.:/=+-@'),
        z.string().max(256).regex(TAG_TEXT, 'tag values use letters, digits, spaces and _.:/=+-@'),
      )
      .refine((tags) => Object.keys(tags).length <= 45, 'at most 45 tags (AWS allows 50; 5 are reserved for the vending tags)')
      .refine((tags) => !Object.keys(tags).some((k) => k.toLowerCase().startsWith('aws:')), 'tag keys may not start with aws:')
      .optional(),
    alternateContacts: z
      .object({
        billing: StartedAlternateContactSchema.optional(),
        operations: StartedAlternateContactSchema.optional(),
        security: StartedAlternateContactSchema.optional(),
      })
      .strict()
      .optional(),
    justification: z.string().max(1000).optional(),
    blueprint: z.string().optional(),
  })
  .strict();

export type AccountRequest = z.infer<typeof AccountRequestSchema>;
export type AlternateContact = z.infer<typeof AlternateContactSchema>;
