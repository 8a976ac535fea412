/**
 * The AES-256-GCM payload codec, the key ring from the environment and the AccountEmail HMAC, as pure code (the whole
 * path through the real stack: test/operations/encryption.test.ts).
 */
import { type Payload } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, EncryptionConfigSchema, encryptionInputFromEnv, hmacEmailSearchValue } from '../../encryption';
import { parseConfig } from '../../config/parse';

const key = () => randomBytes(32).toString('base64');
const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const jsonPayload = (value: unknown): Payload => ({ metadata: { encoding: bytes('json/plain') }, data: bytes(JSON.stringify(value)) });

describe('the payload codec', () => {
  test('round trip; a random 12-byte IV per payload; the key id in the metadata; nothing readable in the ciphertext', async () => {
    const codec = new AesGcmPayloadCodec({ k1: key() }, 'k1');
    const original = jsonPayload({ email: 'secret-person@example.com' });
    const [a, b] = await codec.encode([original, original]);
    expect(Buffer.from(a.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(a.metadata!['encryption-key-id']!).toString()).toBe('k1');
    expect(Buffer.from(a.data!).subarray(0, 12).equals(Buffer.from(b.data!).subarray(0, 12))).toBe(false);
    expect(Buffer.from(a.data!).includes('secret-person')).toBe(false);
    expect(await codec.decode([a, b])).toEqual([original, original]);
  });

  test('rotation: a new current key encrypts, payloads under the old key id still decrypt; a retired key is named', async () => {
    const [k1, k2] = [key(), key()];
    const [old] = await new AesGcmPayloadCodec({ k1 }, 'k1').encode([jsonPayload('before')]);
    const rotated = new AesGcmPayloadCodec({ k1, k2 }, 'k2');
    const [fresh] = await rotated.encode([jsonPayload('after')]);
    expect(Buffer.from(fresh.metadata!['encryption-key-id']!).toString()).toBe('k2');
    expect(await rotated.decode([old, fresh])).toEqual([jsonPayload('before'), jsonPayload('after')]);
    await expect(new AesGcmPayloadCodec({ k2 }, 'k2').decode([old])).rejects.toThrow('key id "k1", which is not in VEND_ENCRYPTION_KEYS');
  });

  test('altered ciphertext or a swapped key id fails authentication; unencrypted payloads pass through', async () => {
    const [k1, k2] = [key(), key()];
    const codec = new AesGcmPayloadCodec({ k1, k2 }, 'k1');
    const [sealed] = await codec.encode([jsonPayload('x')]);
    const flipped = Buffer.from(sealed.data!);
    flipped[20] ^= 1;
    await expect(codec.decode([{ ...sealed, data: new Uint8Array(flipped) }])).rejects.toThrow('failed authentication');
    await expect(codec.decode([{ ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': bytes('k2') } }])).rejects.toThrow('failed authentication');
    expect(await codec.decode([jsonPayload('legacy')])).toEqual([jsonPayload('legacy')]);
  });

  test('the key ring from the environment: refused clearly, never quoting a key', () => {
    const good = key();
    const parse = (env: NodeJS.ProcessEnv) => parseConfig(EncryptionConfigSchema, encryptionInputFromEnv(env));
    expect(parse({ VEND_ENCRYPTION_KEYS: JSON.stringify({ a: good }), VEND_SEARCH_HMAC_KEY: key() }).keyId).toBe('a');
    const cases: [NodeJS.ProcessEnv, string][] = [
      [{ VEND_ENCRYPTION_KEYS: `{"a": "${good}"`, VEND_SEARCH_HMAC_KEY: key() }, 'VEND_ENCRYPTION_KEYS: not valid JSON'],
      [{ VEND_ENCRYPTION_KEYS: JSON.stringify({ a: good.slice(0, 20) }), VEND_SEARCH_HMAC_KEY: key() }, 'key "a" is not the base64 of 32 bytes'],
      [{ VEND_ENCRYPTION_KEYS: JSON.stringify({ a: good, b: key() }), VEND_SEARCH_HMAC_KEY: key() }, 'VEND_ENCRYPTION_KEY_ID is required'],
      [{ VEND_ENCRYPTION_KEYS: JSON.stringify({ a: good }), VEND_ENCRYPTION_KEY_ID: 'z', VEND_SEARCH_HMAC_KEY: key() }, 'names no key'],
      [{ VEND_ENCRYPTION_KEYS: JSON.stringify({ a: good }) }, 'VEND_SEARCH_HMAC_KEY is required'],
      [{ VEND_SEARCH_HMAC_KEY: good }, 'set without VEND_ENCRYPTION_KEYS'],
    ];
    for (const [env, message] of cases) {
      let error = '';
      try {
        parse(env);
      } catch (err) {
        error = (err as Error).message;
      }
      expect(error).toContain(message);
      expect(error).not.toContain(good);
      expect(error).not.toContain(good.slice(0, 20));
    }
  });

  test('AccountEmail under encryption: HMAC-SHA256 of the normalized email, stable, not the plain sha256', () => {
    const hmacKey = key();
    const value = hmacEmailSearchValue(hmacKey);
    expect(value(' Team-A@Example.com ')).toBe(value('team-a@example.com'));
    expect(value('team-a@example.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(hmacEmailSearchValue(key())('team-a@example.com')).not.toBe(value('team-a@example.com'));
  });
});

