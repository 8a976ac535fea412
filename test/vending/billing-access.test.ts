/**
 * The product's seed: with the org's linked-account access on, billing access is verified as defaulted-on and no root
 * window ever opens; with it off, a human decides and an audited root window fixes it.
 */
import { confirmRemediationUpdate, decideUpdate, statusQuery, type VendingResult } from '../../contract/vending';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { countOf, requestAccount, rootCredentials, sandboxControl, waitForStage } from '../support/vending';

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
    await expect(
      handle.executeUpdate(decideUpdate, {
        args: [{ decision: 'approve-remediation', reason: 'mine', decidedBy: 'carol', roles: ['requester', 'approver'] }],
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/requested this account and cannot decide/) } });
    // Nor can someone without the approver role.
    await expect(
      handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve-remediation', reason: 'x', decidedBy: 'alice', roles: ['requester'] }] }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/does not hold the approver role/) } });

    const decision = await handle.executeUpdate(decideUpdate, {
      args: [{ decision: 'approve-remediation', reason: 'billing access is off; fix it', decidedBy: 'bob', roles: ['approver'] }],
    });
    expect(decision.decidedBy).toBe('bob');
    await waitForStage(handle, 'root-window-open');
    const open = await waitFor('the window to open', async () => {
      const status = await handle.query(statusQuery);
      return status.rootWindow?.openedAt ? status : undefined;
    });
    expect(open.rootWindow?.preAudit?.passwordPresent).toBe(false);
    await waitFor('password recovery to be allowed', async () => ((await rootCredentials(env, accountId)).passwordPresent ? true : undefined));
    expect(env.notifications.some((n) => n.kind === 'root-window-opened' && /Activate IAM Access/.test(n.message))).toBe(true);

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
    await expect(handle.executeUpdate(confirmRemediationUpdate, { args: [{ confirmedBy: 'bob' }] })).rejects.toThrow(
      /already completed/,
    );
  } finally {
    await sandboxControl(env, 'POST', '/linked-account-access', { enabled: true });
  }
});
