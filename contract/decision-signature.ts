/**
 * Four eyes that namespace access cannot forge: every human decision the workflow accepts (approve, attest, reject,
 * confirm a remediation, and later closure and baseline decisions) is signed by the request API, which alone holds
 * the private key, after it has authenticated the person. The workflow input carries the public keys it trusts; the
 * update validator verifies the signature over exactly what is decided: which request and run, what, why, by whom,
 * with which roles, when. Someone who can write to the Temporal namespace (CLI, Web UI) but does not hold the API's
 * key cannot decide, nor reuse a signature for another request, another run, or another decision.
 *
 * Ed25519 through @noble/curves: pure JavaScript, deterministic, so it runs inside the workflow sandbox. Keys and
 * signatures travel as hex.
 */
import { ed25519 } from '@noble/curves/ed25519';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/curves/utils';

/** Changes only with the signed fields' meaning; a signature under one domain never verifies under another. */
export const SIGNATURE_DOMAIN = 'account-vending/human-decision/v1';

/** What a person did, as signed. */
export interface SignedAct {
  /** The workflow id of the request (vending) or closure. */
  requestId: string;
  /** The run the act is for: a signature for one run of a workflow id is worthless for the next. */
  runId: string;
  /** The kind of act: `decide`, `confirm-remediation`, ... */
  action: string;
  /** What was decided, e.g. `approve-remediation`, `reject`, `confirm`. */
  decision: string;
  /** The person's reason or note, verbatim. */
  reason: string;
  actor: string;
  roles: readonly string[];
  /** When the API signed (ISO 8601). */
  signedAt: string;
}

export interface ActSignature {
  keyId: string;
  /** Hex of the 64-byte Ed25519 signature. */
  signature: string;
}

/** The bytes signed: a JSON array in a fixed order (no key-order ambiguity), roles sorted. */
export function signingBytes(act: SignedAct, keyId: string): Uint8Array {
  return utf8ToBytes(
    JSON.stringify([
      SIGNATURE_DOMAIN,
      keyId,
      act.requestId,
      act.runId,
      act.action,
      act.decision,
      act.reason,
      act.actor,
      [...act.roles].sort(),
      act.signedAt,
    ]),
  );
}

export function signAct(act: SignedAct, keyId: string, privateKeyHex: string): ActSignature {
  return { keyId, signature: bytesToHex(ed25519.sign(signingBytes(act, keyId), hexToBytes(privateKeyHex))) };
}

export function publicKeyOf(privateKeyHex: string): string {
  return bytesToHex(ed25519.getPublicKey(hexToBytes(privateKeyHex)));
}

/**
 * Whether `signature` is a valid signature of `act` by a key the request trusts. Malformed input is simply not valid
 * (never an exception: the validator turns `false` into a typed refusal).
 */
export function verifyAct(act: SignedAct, signature: Partial<ActSignature> | undefined, trustedKeys: Readonly<Record<string, string>>): boolean {
  if (!signature?.keyId || !signature.signature || !Object.hasOwn(trustedKeys, signature.keyId)) return false;
  if (!/^[0-9a-f]{128}$/.test(signature.signature)) return false;
  const publicKey = trustedKeys[signature.keyId];
  if (!/^[0-9a-f]{64}$/.test(publicKey)) return false;
  try {
    // RFC 8032 verification (not ZIP-215's laxer rules): one message, one valid encoding of a signature.
    return ed25519.verify(hexToBytes(signature.signature), signingBytes(act, signature.keyId), hexToBytes(publicKey), { zip215: false });
  } catch {
    return false;
  }
}
