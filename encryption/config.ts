/**
 * Encryption settings, from the environment, validated. Shared by the worker, the API and the tests: every party
 * that reads or writes workflow payloads needs the same key ring.
 *
 * - `VEND_ENCRYPTION_KEYS`: JSON `{"<keyId>": "<base64 of 32 random bytes>", ...}`. Setting it turns encryption on.
 * - `VEND_ENCRYPTION_KEY_ID`: the key new payloads are encrypted with (optional when the ring holds one key).
 *   Rotation: add a new key, point this at it, keep the old keys in the ring while histories written with them live.
 * - `VEND_SEARCH_HMAC_KEY`: base64 of at least 32 random bytes; the `AccountEmail` search attribute holds an
 *   HMAC-SHA256 of the normalized email under this key (search attributes are not encrypted by a codec). It must
 *   not change while requests are to be found by email; it is required with encryption on.
 *
 * No message ever contains a key's value: problems name the setting and, at most, a key id.
 */
import { z } from 'zod';

export const KEY_ID_PATTERN = /^[\w.-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function base64Bytes(value: string): number | undefined {
  return BASE64.test(value) && value.length % 4 === 0 ? Buffer.from(value, 'base64').length : undefined;
}

export const EncryptionConfigSchema = z
  .object({
    /** Key id -> base64 of a 32-byte AES-256 key. */
    keys: z.record(z.string(), z.string()),
    /** The key id new payloads are encrypted with. */
    keyId: z.string().optional(),
    /** Base64 of >= 32 bytes: the HMAC key for the AccountEmail search attribute. */
    searchHmacKey: z.string({ error: 'VEND_SEARCH_HMAC_KEY is required when VEND_ENCRYPTION_KEYS is set' }),
  })
  .superRefine((config, ctx) => {
    const ids = Object.keys(config.keys);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', path: ['keys'], message: 'VEND_ENCRYPTION_KEYS holds no key' });
    for (const id of ids) {
      if (!KEY_ID_PATTERN.test(id)) {
        ctx.addIssue({ code: 'custom', path: ['keys'], message: 'VEND_ENCRYPTION_KEYS: a key id is 1-64 letters, digits, . _ -' });
      } else if (base64Bytes(config.keys[id]) !== 32) {
        ctx.addIssue({ code: 'custom', path: ['keys', id], message: `VEND_ENCRYPTION_KEYS: key "${id}" is not the base64 of 32 bytes` });
      }
    }
    if (config.keyId === undefined && ids.length > 1) {
      ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'VEND_ENCRYPTION_KEY_ID is required when VEND_ENCRYPTION_KEYS holds more than one key' });
    }
    if (config.keyId !== undefined && !Object.hasOwn(config.keys, config.keyId)) {
      ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'VEND_ENCRYPTION_KEY_ID names no key in VEND_ENCRYPTION_KEYS' });
    }
    if ((base64Bytes(config.searchHmacKey) ?? 0) < 32) {
      ctx.addIssue({ code: 'custom', path: ['searchHmacKey'], message: 'VEND_SEARCH_HMAC_KEY is not the base64 of at least 32 bytes' });
    }
  })
  .transform((config) => ({ ...config, keyId: config.keyId ?? Object.keys(config.keys)[0] }));
export type EncryptionConfig = z.output<typeof EncryptionConfigSchema>;
export type EncryptionConfigInput = z.input<typeof EncryptionConfigSchema>;

/**
 * The raw encryption settings from the environment, for a config schema to validate; undefined when encryption is
 * off. Throws (naming the setting only) when the key ring is not JSON or a setting comes without the key ring.
 */
export function encryptionInputFromEnv(env: NodeJS.ProcessEnv): unknown {
  const ring = env.VEND_ENCRYPTION_KEYS;
  if (ring === undefined || ring === '') {
    const stray = ['VEND_ENCRYPTION_KEY_ID', 'VEND_SEARCH_HMAC_KEY'].filter((name) => env[name]);
    if (stray.length) throw new Error(`invalid configuration:\n  - ${stray.join(', ')}: set without VEND_ENCRYPTION_KEYS (encryption is off)`);
    return undefined;
  }
  let keys: unknown;
  try {
    keys = JSON.parse(ring);
  } catch {
    // JSON.parse's own message quotes the input: never pass it on.
    throw new Error('invalid configuration:\n  - VEND_ENCRYPTION_KEYS: not valid JSON (expected {"<keyId>": "<base64 of 32 bytes>"})');
  }
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys) || !Object.values(keys).every((v) => typeof v === 'string')) {
    throw new Error('invalid configuration:\n  - VEND_ENCRYPTION_KEYS: expected a JSON object {"<keyId>": "<base64 of 32 bytes>"}');
  }
  return { keys, keyId: env.VEND_ENCRYPTION_KEY_ID || undefined, searchHmacKey: env.VEND_SEARCH_HMAC_KEY || undefined };
}
