/**
 * The request API's signing key ring for human decisions (contract/decision-signature.ts explains why). Only the API
 * holds it. Every request is started with the ring's public keys in its input; a decision is signed with a key that
 * request trusts, so rotating in a new key never strands a request started before it.
 *
 * - `VEND_DECISION_KEYS`: JSON `{"<keyId>": "<base64 of 32 random bytes>"}` (an Ed25519 seed; `openssl rand -base64 32`).
 * - `VEND_DECISION_KEY_ID`: the key new requests and decisions use (optional with a single key).
 * Rotation: add a key and point VEND_DECISION_KEY_ID at it; keep the old one until no request started with it runs.
 * No message ever contains a key: problems name the setting and, at most, a key id.
 */
import { z } from 'zod';
import { publicKeyOf, signAct, type ActSignature, type SignedAct } from '../contract/decision-signature';

const KEY_ID = /^[\w.-]{1,64}$/;

export const DecisionKeysConfigSchema = z
  .object({
    keys: z.record(z.string(), z.string()),
    keyId: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    const ids = Object.keys(c.keys);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', path: ['keys'], message: 'VEND_DECISION_KEYS holds no key' });
    for (const id of ids) {
      if (!KEY_ID.test(id)) ctx.addIssue({ code: 'custom', path: ['keys'], message: 'VEND_DECISION_KEYS: a key id is 1-64 letters, digits, . _ -' });
      else if (seedBytes(c.keys[id]) !== 32) {
        ctx.addIssue({ code: 'custom', path: ['keys', id], message: `VEND_DECISION_KEYS: key "${id}" is not the base64 of 32 bytes` });
      }
    }
    if (c.keyId === undefined && ids.length > 1) {
      ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'VEND_DECISION_KEY_ID is required when VEND_DECISION_KEYS holds more than one key' });
    }
    if (c.keyId !== undefined && !Object.hasOwn(c.keys, c.keyId)) {
      ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'VEND_DECISION_KEY_ID names no key in VEND_DECISION_KEYS' });
    }
  })
  .transform((c) => ({ keys: c.keys, keyId: c.keyId ?? Object.keys(c.keys)[0] }));
export type DecisionKeysConfig = z.output<typeof DecisionKeysConfigSchema>;

function seedBytes(value: string): number | undefined {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0 ? Buffer.from(value, 'base64').length : undefined;
}

/** The raw settings from the environment, for the schema; undefined when VEND_DECISION_KEYS is unset. */
export function decisionKeysInputFromEnv(env: NodeJS.ProcessEnv): unknown {
  if (!env.VEND_DECISION_KEYS) return undefined;
  let keys: unknown;
  try {
    keys = JSON.parse(env.VEND_DECISION_KEYS);
  } catch {
    keys = 'not JSON';
  }
  return { keys, keyId: env.VEND_DECISION_KEY_ID || undefined };
}

export class DecisionSigner {
  readonly #privateKeys: ReadonlyMap<string, string>;
  readonly #publicKeys: Readonly<Record<string, string>>;

  constructor(config: DecisionKeysConfig) {
    const entries = Object.entries(config.keys).map(([id, seed]) => [id, Buffer.from(seed, 'base64').toString('hex')] as const);
    this.#privateKeys = new Map(entries);
    this.#publicKeys = Object.freeze(Object.fromEntries(entries.map(([id, hex]) => [id, publicKeyOf(hex)])));
    this.currentKeyId = config.keyId;
  }

  readonly currentKeyId: string;

  /** What a new request trusts: every public key of the ring. */
  publicKeys(): Record<string, string> {
    return { ...this.#publicKeys };
  }

  /**
   * Signs with the current key when the request trusts it, else with another key of the ring it trusts. Undefined
   * when the ring holds no key the request trusts (it was started with keys since removed).
   */
  sign(act: Omit<SignedAct, 'signedAt'>, trustedKeyIds: readonly string[] | undefined, now = new Date()): (ActSignature & { signedAt: string }) | undefined {
    const trusted = trustedKeyIds ?? [this.currentKeyId];
    const keyId = trusted.includes(this.currentKeyId) ? this.currentKeyId : trusted.find((id) => this.#privateKeys.has(id));
    if (!keyId) return undefined;
    const signedAt = now.toISOString();
    return { ...signAct({ ...act, signedAt }, keyId, this.#privateKeys.get(keyId)!), signedAt };
  }

  /** Never prints a key. */
  toJSON(): string {
    return `[DecisionSigner ${this.currentKeyId}]`;
  }
}

/** A fresh single-key ring, as the environment would hold it (tests, `npm start`'s first run). */
export function randomDecisionKeysEnv(keyId = 'k1'): { VEND_DECISION_KEYS: string; VEND_DECISION_KEY_ID: string } {
  const seed = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString('base64');
  return { VEND_DECISION_KEYS: JSON.stringify({ [keyId]: seed }), VEND_DECISION_KEY_ID: keyId };
}

/** A signer over a fresh random ring (tests, benchmarks). */
export function randomDecisionSigner(keyId = 'k1'): DecisionSigner {
  const env = randomDecisionKeysEnv(keyId);
  return new DecisionSigner(DecisionKeysConfigSchema.parse({ keys: JSON.parse(env.VEND_DECISION_KEYS), keyId }));
}
