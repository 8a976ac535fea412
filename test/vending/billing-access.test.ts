/**
 * The product's seed: with the org's linked-account access on, billing access is verified as defaulted-on and no root
 * window ever opens; with it off, a human decides and an audited root window fixes it.
 */
import { confirmRemediationUpdate, decideUpdate, statusQuery, type VendingResult } from '../../contract/vending';
import { signAct } from '../../contract/decision-signature';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { ALICE, BOB, CAROL, confirmAs, countOf, decideAs, requestAccount, rootCredentials, sandboxControl, waitForStage } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());

test('linked-account access on: completed, verdict defaulted-on, no root session ever opened', async () => {
  await sandboxControl(env, 'POST', '/linked-account-access', { enabled: true });
  const handle = await requestAccount(env, { email: 'on-1@example.com' });
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  expect(result.billingAccess?.verdict).toBe('defaulted-on');
  expect(result.billingAccess?.evidence.find((e) => e.source === 'cost-explorer-probe')?.indicates).toBe('on');
  expect(result.rootWindow).toBeUndefined();
  const creds = await rootCredentials(env, result.accountId!);
  expect(creds.passwordPresent).toBe(false);
  // No AssumeRoot was ever called for it: the sandbox counts every AWS call by operation.
  const state = await sandboxControl(env, 'GET', '/state');
  expect(state.body.counters['sts:AssumeRole']?.calls).toBeGreaterThan(0);
  expect(state.body.counters['sts:AssumeRoot']).toBeUndefined();
  const description = await handle.describe();
  expect(description.typedSearchAttributes.get({ name: 'BillingAccessVerdict', type: 'KEYWORD' } as never)).toBe('defaulted-on');
});

test('linked-account access off: decision, own approval refused, root window, root-console step, closed clean', async () => {
  await sandboxControl(env, 'POST', '/linked-account-access', { enabled: false });
  try {
    const handle = await requestAccount(env, { email: 'off-1@example.com' }, { requester: 'carol', roles: ['requester', 'approver'] });
    const waiting = await waitForStage(handle, 'awaiting-decision');
    expect(waiting.billingAccess?.verdict).toBe('off');
    expect(waiting.pendingDecision).toBeDefined();
    const accountId = waiting.accountId!;

    // The requester cannot decide on their own request, even holding the approver role.
    await expect(decideAs(env, handle, CAROL, 'approve-remediation', 'mine')).rejects.toMatchObject({
      cause: { type: 'DecisionNotAllowed', message: expect.stringMatching(/requested this account and cannot decide/) },
    });
    // Nor can someone without the approver role.
    await expect(decideAs(env, handle, ALICE, 'approve-remediation', 'x')).rejects.toMatchObject({
      cause: { type: 'DecisionNotAllowed', message: expect.stringMatching(/does not hold the approver role/) },
    });
    // Straight through Temporal (namespace access, no API): unsigned, or signed with a key the request does not trust.
    const forged = { decision: 'approve-remediation' as const, reason: 'forged', decidedBy: 'bob', roles: ['approver' as const] };
    await expect(handle.executeUpdate(decideUpdate, { args: [forged] })).rejects.toMatchObject({ cause: { type: 'SignatureInvalid' } });
    const { runId } = await handle.describe();
    const signedAt = new Date().toISOString();
    const act = { requestId: handle.workflowId, runId, action: 'decide', decision: forged.decision, reason: forged.reason, actor: 'bob', roles: forged.roles, signedAt };
    const foreignKey = signAct(act, env.signer.currentKeyId, 'ab'.repeat(32));
    await expect(handle.executeUpdate(decideUpdate, { args: [{ ...forged, signedAt, ...foreignKey }] })).rejects.toMatchObject({
      cause: { type: 'SignatureInvalid' },
    });
    // A genuine signature on other words (the reason changed after signing) does not verify either.
    const genuine = signAct(act, env.signer.currentKeyId, Buffer.from(JSON.parse(env.decisionKeysEnv.VEND_DECISION_KEYS)[env.signer.currentKeyId], 'base64').toString('hex'));
    await expect(handle.executeUpdate(decideUpdate, { args: [{ ...forged, reason: 'other words', signedAt, ...genuine }] })).rejects.toMatchObject({
      cause: { type: 'SignatureInvalid' },
    });

    const decision = await decideAs(env, handle, BOB, 'approve-remediation', 'billing access is off; fix it');
    expect(decision.decidedBy).toBe('bob');
    // Decided once: a second decision, even a genuine one by another approver, is refused.
    await expect(decideAs(env, handle, CAROL, 'reject', 'too late')).rejects.toMatchObject({ cause: { type: 'AlreadyDecided' } });
    await waitForStage(handle, 'root-window-open');
    const open = await waitFor('the window to open', async () => {
      const status = await handle.query(statusQuery);
      return status.rootWindow?.openedAt ? status : undefined;
    });
    expect(open.rootWindow?.preAudit?.passwordPresent).toBe(false);
    await waitFor('password recovery to be allowed', async () => ((await rootCredentials(env, accountId)).passwordPresent ? true : undefined));
    expect(env.notifications.some((n) => n.kind === 'root-window-opened' && /Activate IAM Access/.test(n.message))).toBe(true);
    // The requester cannot confirm the remediation of their own account, even holding the approver role.
    await expect(confirmAs(env, handle, CAROL)).rejects.toMatchObject({ cause: { type: 'DecisionNotAllowed', message: expect.stringMatching(/cannot confirm its remediation/) } });

    // The human's root step, as the sandbox's root console plays it; the workflow sees it in CloudTrail.
    const step = await sandboxControl(env, 'POST', `/accounts/${accountId}/root-console/billing-access`, { enabled: true });
    expect(step.status).toBe(200);
    const result: VendingResult = await handle.result();
    expect(result.stage).toBe('completed');
    expect(result.rootWindow?.closedBecause).toBe('cloudtrail-evidence');
    expect(result.rootWindow?.postAudit).toMatchObject({ passwordPresent: false, mfaDevices: 0, accessKeys: 0 });
    expect(result.billingAccess?.evidence.some((e) => e.source === 'cloudtrail-lookup' && e.indicates === 'on')).toBe(true);
    expect(result.decision).toMatchObject({ decidedBy: 'bob', decision: 'approve-remediation' });
    const after = await rootCredentials(env, accountId);
    expect(after.passwordPresent).toBe(false);
    expect(countOf(after.mfaDevices) + countOf(after.accessKeys)).toBe(0);
    // A confirmation after the request ended is refused (the execution is closed).
    await expect(confirmAs(env, handle, BOB)).rejects.toThrow(/already completed/);
    await expect(handle.executeUpdate(confirmRemediationUpdate, { args: [{ confirmedBy: 'bob' }] })).rejects.toThrow(/already completed/);
  } finally {
    await sandboxControl(env, 'POST', '/linked-account-access', { enabled: true });
  }
});
