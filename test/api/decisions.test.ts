/**
 * The human steps through HTTP: who may decide (403s), the validator's stage refusals (409), approval -> root window
 * -> confirmation -> completed, and cancellation by the requester or an operator only. Billing access is switched
 * off in the sandbox so every request stops at awaiting-decision.
 */
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';
import { sandboxControl } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ api: true, sandbox: { timeScale: 10 }, policy: { billingVerification: { cloudTrailLookup: false } } });
  expect((await sandboxControl(env, 'POST', '/linked-account-access', { enabled: false })).status).toBeLessThan(300);
});
afterAll(async () => env?.stop());

async function requestAwaitingDecision(name: string, token = 'dev-requester'): Promise<string> {
  const created = await api(env.apiUrl!, 'POST', '/v1/account-requests', {
    token,
    body: { accountName: name, email: `${name}@example.com`, organizationalUnit: 'Workloads' },
  });
  expect(created.status).toBe(202);
  await stage(created.body.id, 'awaiting-decision');
  return created.body.id;
}

async function stage(id: string, wanted: string): Promise<any> {
  return waitFor(`${id} at ${wanted}`, async () => {
    const res = await api(env.apiUrl!, 'GET', `/v1/account-requests/${id}`, { token: 'dev-approver' });
    return res.body.stage === wanted ? res.body : undefined;
  });
}

const decide = (id: string, token: string | undefined, body: unknown) =>
  api(env.apiUrl!, 'POST', `/v1/account-requests/${id}/decision`, { token, body });

test('a requester cannot approve (403), an approver cannot approve their own request (403), no token is 401', async () => {
  const [alices, carols] = await Promise.all([requestAwaitingDecision('dec-alice'), requestAwaitingDecision('dec-carol', 'dev-admin')]);

  const byRequester = await decide(alices, 'dev-requester', { decision: 'approve-remediation', reason: 'looks fine' });
  expect(byRequester.status).toBe(403);
  expect(byRequester.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('approver') });

  const selfApproval = await decide(carols, 'dev-admin', { decision: 'approve-remediation', reason: 'my own' });
  expect(selfApproval.status).toBe(403);
  expect(selfApproval.body.error.code).toBe('SELF_APPROVAL');

  const anonymous = await decide(alices, undefined, { decision: 'reject', reason: 'x' });
  expect(anonymous.status).toBe(401);

  // decidedBy/roles in the body are not accepted: identity comes from the token only.
  const smuggled = await decide(alices, 'dev-requester', { decision: 'approve-remediation', reason: 'x', decidedBy: 'bob', roles: ['approver'] });
  expect(smuggled.status).toBe(400);

  // Nothing was decided by any of these.
  expect((await stage(alices, 'awaiting-decision')).pendingDecision).toMatchObject({ deadline: expect.any(String) });
  expect(await decide(carols, 'dev-approver', { decision: 'reject', reason: 'not needed after all' })).toMatchObject({ status: 200 });
  await stage(carols, 'rejected');
  const afterEnd = await decide(carols, 'dev-approver', { decision: 'reject', reason: 'again' });
  expect(afterEnd.status).toBe(409);
  expect(afterEnd.body.error.code).toBe('REQUEST_CLOSED');
});

test('approve -> root window; a second decision and an early confirmation are refused (409); a confirmation counts once CloudTrail shows the change', async () => {
  // CloudTrail is not polled by the window here, so the only way out is a confirmation that its re-check verifies.
  const created = await api(env.apiUrl!, 'POST', '/v1/account-requests', {
    token: 'dev-requester',
    body: { accountName: 'dec-approve', email: 'dec-approve@example.com', organizationalUnit: 'Workloads' },
  });
  expect(created.status).toBe(202);
  const id: string = created.body.id;
  const waiting = await stage(id, 'awaiting-decision');
  const confirm = (token: string, note: string) =>
    api(env.apiUrl!, 'POST', `/v1/account-requests/${id}/remediation-confirmation`, { token, body: { note } });

  const early = await confirm('dev-approver', 'too early');
  expect(early.status).toBe(409);
  expect(early.body.error).toMatchObject({ code: 'WRONG_STAGE', message: expect.stringContaining('no root window is open') });

  const approved = await decide(id, 'dev-approver', { decision: 'approve-remediation', reason: 'billing access is needed' });
  expect(approved.status).toBe(200);
  expect(approved.body.decision).toMatchObject({ decision: 'approve-remediation', decidedBy: 'bob', decidedAt: expect.any(String) });

  const again = await decide(id, 'dev-admin', { decision: 'reject', reason: 'changed my mind' });
  expect(again.status).toBe(409);
  expect(again.body.error).toMatchObject({ code: 'ALREADY_DECIDED', message: expect.stringContaining('approve-remediation by bob') });

  await stage(id, 'root-window-open');
  // The requester cannot vouch for their own account (alice holds no approver or operator role either).
  const byRequester = await confirm('dev-requester', 'switched on');
  expect(byRequester.status).toBe(403);
  expect(byRequester.body.error.code).toBe('FORBIDDEN');

  // A confirmation that nothing backs: the re-check finds no change in CloudTrail, and the window stays open.
  expect((await confirm('dev-approver', 'done, trust me')).status).toBe(200);
  const unverified = await waitFor('the re-check to refute the confirmation', async () => {
    const res = await api(env.apiUrl!, 'GET', `/v1/account-requests/${id}`, { token: 'dev-approver' });
    return res.body.rootWindow?.confirmationCheck ? res.body : undefined;
  });
  expect(unverified.stage).toBe('root-window-open');
  expect(unverified.rootWindow.confirmationCheck).toMatch(/no SetIAMAccessPreference/);

  // The root user's real step, then a confirmation: verified, completed.
  const step = await sandboxControl(env, 'POST', `/accounts/${waiting.accountId}/root-console/billing-access`, { enabled: true });
  expect(step.status).toBe(200);
  expect((await confirm('dev-admin', 'switched on in the console')).status).toBe(200);
  const done = await stage(id, 'completed');
  expect(done.decision.decidedBy).toBe('bob');
  expect(done.rootWindow).toMatchObject({ closedBecause: 'confirmed', confirmedBy: 'carol', postAudit: { passwordPresent: false } });
  expect(done.rootWindow.confirmationCheck).toMatch(/switched on/);
  const recheck = done.billingAccess.evidence.find((e: any) => e.source === 'cloudtrail-lookup' && e.indicates === 'on');
  expect(Date.parse(recheck.checkedAt)).toBeGreaterThanOrEqual(Date.parse(done.rootWindow.confirmedAt));
});

test('cancel: refused for someone else (403), accepted for the requester (202), the request ends cancelled, then 409', async () => {
  const id = await requestAwaitingDecision('dec-cancel');
  const byOther = await api(env.apiUrl!, 'POST', `/v1/account-requests/${id}/cancel`, { token: 'dev-approver' });
  expect(byOther.status).toBe(403);
  const byRequester = await api(env.apiUrl!, 'POST', `/v1/account-requests/${id}/cancel`, { token: 'dev-requester' });
  expect(byRequester.status).toBe(202);
  expect(byRequester.body).toMatchObject({ id, links: { self: `/v1/account-requests/${id}` } });
  const cancelled = await stage(id, 'cancelled');
  // The account was created before the cancel: it stays, on the request, and the requester is told what to do with it.
  expect(cancelled.timeline.at(-1).note).toMatch(new RegExp(`account ${cancelled.accountId} was created`));
  await waitFor('the run to close', async () => {
    const res = await api(env.apiUrl!, 'GET', `/v1/account-requests/${id}`, { token: 'dev-approver' });
    return res.body.execution !== 'RUNNING' ? true : undefined;
  });
  const twice = await api(env.apiUrl!, 'POST', `/v1/account-requests/${id}/cancel`, { token: 'dev-admin' });
  expect(twice.status).toBe(409);
  const unknown = await api(env.apiUrl!, 'POST', '/v1/account-requests/vend-ffffffffffffffffffffffff/cancel', { token: 'dev-admin' });
  expect(unknown.status).toBe(404);
});

test('16 concurrent decisions on one request: exactly one is accepted, every other is a 409, and the recorded one is it', async () => {
  const decisions = ['approve-remediation', 'reject', 'attest-enabled'] as const;
  for (let round = 0; round < 3; round++) {
    const id = await requestAwaitingDecision(`dec-race-${round}`);
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        decide(id, i % 2 ? 'dev-approver' : 'dev-admin', { decision: decisions[i % 3], reason: `racer ${i}` }),
      ),
    );
    const accepted = answers.filter((a) => a.status === 200);
    expect(accepted).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(15);
    for (const refused of answers.filter((a) => a.status === 409)) expect(['ALREADY_DECIDED', 'WRONG_STAGE', 'REQUEST_CLOSED']).toContain(refused.body.error.code);
    const view = await api(env.apiUrl!, 'GET', `/v1/account-requests/${id}`, { token: 'dev-approver' });
    expect(view.body.decision).toMatchObject({ reason: accepted[0].body.decision.reason, decidedBy: accepted[0].body.decision.decidedBy });
    await api(env.apiUrl!, 'POST', `/v1/account-requests/${id}/cancel`, { token: 'dev-admin' });
  }
});
