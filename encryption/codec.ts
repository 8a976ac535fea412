/**
 * A Temporal payload codec: AES-256-GCM over the whole payload (its metadata and data), a random 12-byte IV per
 * payload, the key id in the encrypted payload's metadata. Every workflow input, result, activity argument and
 * result, memo, update/query argument and summary passes through it on its way to and from Temporal, so history
 * holds ciphertext only. Payloads encrypted with an older key still decrypt as long as its id stays in the ring
 * (rotation); a payload without our encoding passes through untouched (histories from before encryption).
 */
import { type Payload, type PayloadCodec } from '@temporalio/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type EncryptionConfig } from './config';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (value: string) => new TextEncoder().encode(value);
const text = (value: Uint8Array | null | undefined) => (value ? Buffer.from(value).toString('utf8') : undefined);

/** The plaintext of an encrypted payload: the original payload, metadata and data, as compact JSON. */
function serialize(payload: Payload): Buffer {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) if (value) metadata[key] = Buffer.from(value).toString('base64');
  return Buffer.from(JSON.stringify({ m: metadata, d: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') }));
}

function deserialize(plain: Buffer): Payload {
  const parsed = JSON.parse(plain.toString('utf8')) as { m: Record<string, string>; d: string };
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(parsed.m)) metadata[key] = new Uint8Array(Buffer.from(value, 'base64'));
  return { metadata, data: new Uint8Array(Buffer.from(parsed.d, 'base64')) };
}

/** Additional authenticated data: binds the ciphertext to its encoding and key id, so neither can be swapped. */
const aad = (keyId: string) => Buffer.from(`${ENCRYPTED_ENCODING}\u0000${keyId}`);

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    keys: Record<string, string | Buffer>,
    private readonly currentKeyId: string,
  ) {
    this.keys = new Map(Object.entries(keys).map(([id, key]) => [id, typeof key === 'string' ? Buffer.from(key, 'base64') : key]));
    const current = this.keys.get(currentKeyId);
    if (!current) throw new Error('the current encryption key id names no key in the ring');
    for (const key of this.keys.values()) if (key.length !== 32) throw new Error('every encryption key is 32 bytes (AES-256)');
  }

  /** The key id new payloads are encrypted with. */
  get keyId(): string {
    return this.currentKeyId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  encrypt(payload: Payload): Payload {
    const key = this.keys.get(this.currentKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(this.currentKeyId));
    const sealed = Buffer.concat([cipher.update(serialize(payload)), cipher.final()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.currentKeyId) },
      data: new Uint8Array(Buffer.concat([iv, sealed, cipher.getAuthTag()])),
    };
  }

  decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId) throw new Error(`an encrypted payload without its ${KEY_ID_METADATA}`);
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`a payload is encrypted with key id ${JSON.stringify(keyId)}, which is not in VEND_ENCRYPTION_KEYS`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new Error('an encrypted payload too short to hold its IV and tag');
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new Error(`an encrypted payload (key id ${JSON.stringify(keyId)}) failed authentication: wrong key or altered data`);
    }
    return deserialize(plain);
  }
}

export function codecFromConfig(config: Pick<EncryptionConfig, 'keys' | 'keyId'>): AesGcmPayloadCodec {
  return new AesGcmPayloadCodec(config.keys, config.keyId);
}
