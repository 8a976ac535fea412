/**
 * The contract's pure rules, without a server: signed human decisions (what a forged, replayed or altered act looks
 * like to the workflow's validator), the versioned workflow input (every version ever accepted is read, an unknown
 * one is refused by name), and the policy's bounds (whatever a request is accepted with fits the history budget).
 */
import fc from 'fast-check';
import { publicKeyOf, signAct, verifyAct, type SignedAct } from '../../contract/decision-signature';
import { HISTORY_EVENT_BUDGET, maxHistoryEvents } from '../../contract/policy';
import { POLICY_DEFAULTS, resolvePolicy } from '../../contract/policy-defaults';
import { readVendingInput, VENDING_INPUT_VERSION } from '../../contract/vending';
import { randomDecisionSigner } from '../../client/decision-signer';

const HOUR = 3_600_000;
const hexKey = () => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString('hex');

const act: SignedAct = {
  requestId: 'vend-0123456789abcdef01234567',
  runId: 'run-1',
  action: 'decide',
  decision: 'approve-remediation',
  reason: 'billing access is off; the root step is needed',
  actor: 'alice',
  roles: ['approver'],
  signedAt: '2026-11-28T10:00:00.000Z',
};

describe('signed decisions', () => {
  const key = hexKey();
  const trusted = { k1: publicKeyOf(key) };

  test('a signature verifies for the act it was made for, by a trusted key, and for nothing else', () => {
    const signature = signAct(act, 'k1', key);
    expect(verifyAct(act, signature, trusted)).toBe(true);
    // Roles are signed as a set: their order does not matter.
    expect(verifyAct({ ...act, roles: [...act.roles].reverse() }, signature, trusted)).toBe(true);

    const fields = fc.constantFrom<keyof SignedAct>('requestId', 'runId', 'action', 'decision', 'reason', 'actor', 'signedAt');
    fc.assert(
      fc.property(fields, fc.string({ minLength: 1, maxLength: 40 }), (field, value) => {
        fc.pre(value !== act[field]);
        expect(verifyAct({ ...act, [field]: value }, signature, trusted)).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(verifyAct({ ...act, roles: ['approver', 'operator'] }, signature, trusted)).toBe(false);
  });

  test('an unknown key id, another key, a key id swapped, or a malformed signature never verifies (and never throws)', () => {
    const signature = signAct(act, 'k1', key);
    const other = hexKey();
    expect(verifyAct(act, signature, { k2: publicKeyOf(key) })).toBe(false);
    expect(verifyAct(act, signAct(act, 'k1', other), trusted)).toBe(false);
    // The key id is part of the signed bytes: the same key under another id does not verify.
    expect(verifyAct(act, { ...signAct(act, 'k2', key), keyId: 'k1' }, trusted)).toBe(false);
    for (const bad of [undefined, {}, { keyId: 'k1' }, { keyId: 'k1', signature: 'zz' }, { keyId: 'k1', signature: '0'.repeat(128) }, { keyId: '__proto__', signature: signature.signature }]) {
      expect(verifyAct(act, bad, trusted)).toBe(false);
    }
    expect(verifyAct(act, signature, { k1: 'not hex' })).toBe(false);
  });

  test("the API's signer signs with a key the request trusts, or not at all", () => {
    const signer = randomDecisionSigner('k1');
    const unsigned = { ...act } as Omit<SignedAct, 'signedAt'> & { signedAt?: string };
    delete unsigned.signedAt;
    const signed = signer.sign(unsigned, ['k1'], new Date(act.signedAt))!;
    expect(verifyAct({ ...unsigned, signedAt: signed.signedAt }, signed, signer.publicKeys())).toBe(true);
    expect(signer.sign(unsigned, ['retired-key'])).toBeUndefined();
    expect(JSON.stringify({ signer })).not.toMatch(/[0-9a-f]{64}/);
  });
});

describe('the versioned workflow input', () => {
  const request = { accountName: 'team-a', email: 'team-a@example.com', organizationalUnit: 'Workloads' };

  test('version 2 is read as given; a version this code does not know is refused by name', () => {
    const input = { inputVersion: VENDING_INPUT_VERSION, request, requester: 'bob', requesterRoles: ['requester'], requestedAt: '2026-11-28T10:00:00Z', policy: POLICY_DEFAULTS, decisionKeys: { k1: 'ab' } };
    const read = readVendingInput(input);
    expect('input' in read && read.input.policy).toEqual(POLICY_DEFAULTS);
    expect(readVendingInput({ ...input, inputVersion: 3 })).toEqual({ problem: 'inputVersion 3 is not one this workflow code knows' });
    expect(readVendingInput({ ...input, policy: undefined })).toEqual({ problem: expect.stringContaining('policy') });
  });

  test('a version-1 input (no version, partial policy) gets the frozen legacy defaults, its own values kept, and no keys', () => {
    const read = readVendingInput({ request, requester: 'bob', requestedAt: '2026-01-01T00:00:00Z', policy: { decisionDeadlineMs: 5 * HOUR } });
    expect('input' in read).toBe(true);
    if (!('input' in read)) return;
    expect(read.input.inputVersion).toBe(VENDING_INPUT_VERSION);
    expect(read.input.policy.decisionDeadlineMs).toBe(5 * HOUR);
    expect(read.input.policy.rootWindowDeadlineMs).toBeGreaterThan(0);
    expect(read.input.decisionKeys).toEqual({});
    expect(read.input.requesterRoles).toEqual([]);
    expect(readVendingInput({ requester: 'bob' })).toEqual({ problem: expect.stringContaining('request') });
    expect(readVendingInput('not an object')).toEqual({ problem: expect.any(String) });
  });
});

describe('the policy', () => {
  test('the defaults are within their bounds and fit the history budget', () => {
    expect(resolvePolicy()).toEqual(POLICY_DEFAULTS);
    expect(maxHistoryEvents(POLICY_DEFAULTS)).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET);
  });

  test('every policy a request can be accepted with stays under the budget; the rest are refused, the field named', () => {
    const duration = (max: number) => fc.integer({ min: 1, max });
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.record({
          decisionDeadlineMs: duration(31 * 24 * HOUR),
          decisionReminderIntervalMs: duration(31 * 24 * HOUR),
          rootWindowDeadlineMs: duration(25 * HOUR),
          rootWindowEvidencePollMs: duration(2 * HOUR),
          creationSlotWaitMs: duration(2 * HOUR),
          confirmationRecheckMs: duration(3 * HOUR),
        }),
        (overrides) => {
          let policy;
          try {
            policy = resolvePolicy(overrides);
          } catch (err) {
            expect((err as { issues: { path: unknown[] }[] }).issues[0].path.length).toBeGreaterThan(0);
            return;
          }
          accepted++;
          expect(maxHistoryEvents(policy)).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET);
        },
      ),
      { numRuns: 500 },
    );
    // The property saw both sides.
    expect(accepted).toBeGreaterThan(0);
    // The case that once ran away: a 24 h window polled every 5 s (~190,000 events).
    expect(() => resolvePolicy({ rootWindowDeadlineMs: 24 * HOUR, rootWindowEvidencePollMs: 5_000 })).toThrow(/rootWindowEvidencePollMs/);
    expect(() => resolvePolicy({ notAField: 1 } as never)).toThrow(/notAField|Unrecognized/);
  });
});
