/**
 * A closure through the real API, worker, dev server and sandbox: asked by the account's requester, approved by
 * another person (signed), quarantined (quarantine OU, deny-all SCP), the grace period, CloseAccount with a slot from
 * the coordinator, PENDING_CLOSURE to SUSPENDED, the reopen window's reminder and its end. Cancel in the grace period
 * restores the account; a reject leaves it untouched; a cancel after CloseAccount is refused; an unsigned decision
 * sent straight to Temporal is refused.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { closureIdForAccount, decideClosureUpdate } from '../../contract/closure';
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';
import {
  assertEveryClosedAccountApproved,
  assertRestored,
  placementOf,
  prepareClosureOrganization,
  startClosureFor,
  TEST_CLOSURE_POLICY,
  vendedAccount,
  type ClosureOrganization,
} from '../support/closure';
import { BOB, CAROL } from '../support/vending';

let env: TestEnv;
let org: ClosureOrganization;

beforeAll(async () => {
  env = await startTestEnv({
    api: true,
    sandbox: { timeScale: 10, closeAccountDurationMs: 2_000 },
    closure: { policy: TEST_CLOSURE_POLICY },
    prepareOrganization: async (aws, sandbox) => {
      org = await prepareClosureOrganization(aws, sandbox);
      return org.config;
    },
  });
}, 120_000);
afterAll(async () => env?.stop());

const closure = (id: string, token = 'dev-approver') => api(env.apiUrl!, 'GET', `/v1/closure-requests/${id}`, { token });

/**
 * The view once the workflow answered its status query: on a busy machine the query can miss its deadline, and the
 * API then answers from the search attributes alone (stage, requester, account, and an empty timeline).
 */
const answeredByWorkflow = (view: any) => Array.isArray(view.timeline) && view.timeline.length > 0;

async function closureAt(id: string, stage: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(
    `${id} at ${stage}`,
    async () => {
      const res = await closure(id);
      if (res.body.stage === stage && answeredByWorkflow(res.body)) return res.body;
      if (['closed', 'rejected', 'cancelled', 'failed', 'needs-attention'].includes(res.body.stage)) throw new Error(`ended at ${res.body.stage}: ${JSON.stringify(res.body.timeline.at(-1))}`);
      return undefined;
    },
    timeoutMs,
  );
}

/** The closure once `done(view)` holds (the stage is entered before its work is done). */
async function closureWhen(id: string, what: string, done: (view: any) => boolean): Promise<any> {
  return waitFor(`${id}: ${what}`, async () => {
    const res = await closure(id);
    return answeredByWorkflow(res.body) && done(res.body) ? res.body : undefined;
  });
}

test('request, approve by another, quarantine, grace, close, SUSPENDED, the reopen window: closed', async () => {
  const accountId = await vendedAccount(env, 'closure-life@example.com');
  const before = await placementOf(env.aws.organizations, accountId);
  expect(before.parentId).toBe(env.sandbox.organization.organizationalUnits.Workloads);

  const asked = await api(env.apiUrl!, 'POST', '/v1/closure-requests', { token: 'dev-requester', body: { accountId, reason: 'project ended' } });
  expect(asked.status).toBe(202);
  const id = asked.body.id;
  expect(asked.body).toMatchObject({ id: closureIdForAccount(accountId), stage: 'preflight', accountId, links: { self: `/v1/closure-requests/${id}` } });

  const waiting = await closureAt(id, 'awaiting-decision');
  expect(waiting).toMatchObject({ requester: 'alice', owner: 'alice', adopted: false, accountName: 'closure-life', pendingDecision: { deadline: expect.any(String) } });
  // The requester may read it, and cannot decide; nor can an approver decide on a closure they asked for.
  expect((await closure(id, 'dev-requester')).status).toBe(200);
  const self = await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/decision`, { token: 'dev-requester', body: { decision: 'approve', reason: 'mine' } });
  expect(self.status).toBe(403);

  const approved = await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/decision`, { token: 'dev-approver', body: { decision: 'approve', reason: 'confirmed with the team' } });
  expect(approved.status).toBe(200);
  expect(approved.body.decision).toMatchObject({ decision: 'approve', decidedBy: 'bob' });

  const quarantined = await closureWhen(id, 'quarantined', (v) => Boolean(v.quarantine?.quarantinedAt));
  expect(quarantined.quarantine).toMatchObject({ sourceParentId: before.parentId, quarantineParentId: org.quarantineOuId, attachedPolicyId: org.denyAllPolicyId });
  await waitFor('the account in quarantine', async () => {
    const now = await placementOf(env.aws.organizations, accountId);
    return now.parentId === org.quarantineOuId && now.policyIds.includes(org.denyAllPolicyId) ? now : undefined;
  });

  const suspended = await closureAt(id, 'suspended');
  expect(suspended.closure).toMatchObject({ closeRequestedAt: expect.any(String), awsState: 'SUSPENDED', reopenWindowEndsAt: expect.any(String) });
  expect(Date.parse(suspended.closure.closeRequestedAt)).toBeGreaterThanOrEqual(Date.parse(suspended.quarantine.graceEndsAt));
  // Past CloseAccount nothing cancels the closure.
  const late = await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/cancel`, { token: 'dev-requester', body: { reason: 'too late?' } });
  expect(late.status).toBe(409);
  expect(late.body.error.code).toBe('CLOSURE_IRREVERSIBLE');

  const closed = await closureWhen(id, 'closed and completed', (v) => v.stage === 'closed' && v.execution === 'COMPLETED');
  expect(closed.timeline.map((t: any) => t.stage)).toEqual(['preflight', 'awaiting-decision', 'quarantine', 'closing', 'suspended', 'closed']);
  expect(closed.closure.reopenReminderSentAt).toEqual(expect.any(String));
  const kinds = env.notifications.filter((n) => n.requestId === id).map((n) => n.kind);
  expect(kinds).toEqual(['decision-needed', 'account-quarantined', 'account-closing', 'account-suspended', 'reopen-window-ending', 'account-closed']);
  expect(await assertEveryClosedAccountApproved(env)).toBeGreaterThanOrEqual(1);

  // Closed: a new closure of the account is refused, and nothing starts.
  const again = await api(env.apiUrl!, 'POST', '/v1/closure-requests', { token: 'dev-admin', body: { accountId, reason: 'again' } });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('ACCOUNT_ALREADY_CLOSED');
});

test('cancel inside the grace period: the account goes back to its OU and loses the quarantine SCP', async () => {
  const accountId = await vendedAccount(env, 'closure-cancel@example.com');
  const before = await placementOf(env.aws.organizations, accountId);
  // A long grace period for this closure (its policy is resolved at acceptance).
  await startClosureFor(env, org, accountId, { policy: { gracePeriodMs: 10 * 60_000 } });
  const id = closureIdForAccount(accountId);
  await closureAt(id, 'awaiting-decision');
  expect((await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/decision`, { token: 'dev-admin', body: { decision: 'approve', reason: 'ok' } })).status).toBe(200);
  const quarantined = await closureWhen(id, 'quarantined', (v) => v.stage === 'quarantine' && Boolean(v.quarantine?.quarantinedAt));
  expect(Date.parse(quarantined.quarantine.graceEndsAt)).toBeGreaterThan(Date.now());
  expect((await placementOf(env.aws.organizations, accountId)).parentId).toBe(org.quarantineOuId);

  // Someone else (not the requester, not an operator) may not cancel.
  const byOther = await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/cancel`, { token: 'dev-approver', body: { reason: 'no' } });
  expect(byOther.status).toBe(403);
  const cancelled = await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/cancel`, { token: 'dev-requester', body: { reason: 'still needed after all' } });
  expect(cancelled.status).toBe(202);
  expect(cancelled.body).toMatchObject({ id, stage: 'quarantine' });

  const ended = await closureAt(id, 'cancelled');
  expect(ended.cancellation).toMatchObject({ cancelledBy: 'alice', stage: 'quarantine' });
  expect(ended.quarantine.restoredAt).toEqual(expect.any(String));
  assertRestored(before, await placementOf(env.aws.organizations, accountId));
  const state = (await api(env.sandbox.endpoint, 'GET', '/sandbox/state')).body;
  expect(state.accountClosures.accounts.some((a: any) => a.accountId === accountId)).toBe(false);
  // A cancelled closure may be asked for again.
  const again = await api(env.apiUrl!, 'POST', '/v1/closure-requests', { token: 'dev-requester', body: { accountId, reason: 'now really' } });
  expect(again.status).toBe(202);
  await closureAt(id, 'awaiting-decision');
  await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/cancel`, { token: 'dev-requester', body: { reason: 'cleanup' } });
  await closureAt(id, 'cancelled');
});

test('a Temporal cancel (CLI, Web UI) in the grace period restores the account as the API cancel does', async () => {
  const accountId = await vendedAccount(env, 'closure-tcancel@example.com');
  const before = await placementOf(env.aws.organizations, accountId);
  const handle = await startClosureFor(env, org, accountId, { policy: { gracePeriodMs: 10 * 60_000 } });
  const id = handle.workflowId;
  await closureAt(id, 'awaiting-decision');
  expect((await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/decision`, { token: 'dev-approver', body: { decision: 'approve', reason: 'ok' } })).status).toBe(200);
  await closureWhen(id, 'quarantined', (v) => v.stage === 'quarantine' && Boolean(v.quarantine?.quarantinedAt));
  await handle.cancel();
  const ended = await closureWhen(id, 'cancelled and closed', (v) => v.stage === 'cancelled' && v.execution === 'CANCELLED');
  expect(ended.cancellation).toMatchObject({ cancelledBy: 'temporal-cancel', stage: 'quarantine' });
  assertRestored(before, await placementOf(env.aws.organizations, accountId));
});

test('reject: the account is untouched; an unsigned decision sent straight to Temporal is refused', async () => {
  const accountId = await vendedAccount(env, 'closure-reject@example.com');
  const before = await placementOf(env.aws.organizations, accountId);
  const asked = await api(env.apiUrl!, 'POST', '/v1/closure-requests', { token: 'dev-requester', body: { accountId, reason: 'maybe' } });
  expect(asked.status).toBe(202);
  const id = asked.body.id;
  await closureAt(id, 'awaiting-decision');

  // Namespace access is not enough to decide: the validator wants the API's signature.
  const forged = await env.client.workflow
    .getHandle(id)
    .executeUpdate(decideClosureUpdate, { args: [{ decision: 'approve', reason: 'forged', decidedBy: BOB.user, roles: BOB.roles }] })
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  expect(forged).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((forged as WorkflowUpdateFailedError).cause?.message).toMatch(/not signed/);

  const rejected = await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/decision`, { token: 'dev-admin', body: { decision: 'reject', reason: 'still in use' } });
  expect(rejected.status).toBe(200);
  const ended = await closureAt(id, 'rejected');
  expect(ended.decision).toMatchObject({ decision: 'reject', decidedBy: CAROL.user });
  expect(ended.quarantine).toBeUndefined();
  assertRestored(before, await placementOf(env.aws.organizations, accountId));
  const twice = await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/decision`, { token: 'dev-approver', body: { decision: 'approve', reason: 'late' } });
  expect(twice.status).toBe(409);
  expect(twice.body.error.code).toBe('CLOSURE_ENDED');

  // Visibility catches up within moments.
  const listed = await waitFor('the list to show the rejected closure', async () => {
    const res = await api(env.apiUrl!, 'GET', `/v1/closure-requests?stage=rejected&accountId=${accountId}`, { token: 'dev-approver' });
    return res.status === 200 && res.body.items.length > 0 ? res.body : undefined;
  });
  expect(listed.items).toEqual([expect.objectContaining({ id, stage: 'rejected', accountId, requester: 'alice' })]);
  // The requester's list holds their own closures only.
  const mine = await api(env.apiUrl!, 'GET', '/v1/closure-requests?requester=bob', { token: 'dev-requester' });
  expect(mine.status).toBe(403);
});

test('the vend CLI: close by vended email, status, approve as another person, watch until SUSPENDED, list --closures', async () => {
  await vendedAccount(env, 'closure-cli@example.com');
  const requester = { VEND_TOKEN: 'dev-requester' };
  const asked = await vend(['close', 'closure-cli@example.com', '--reason', 'project over'], requester);
  expect(asked).toMatchObject({ code: 0, stderr: '' });
  const id = /accepted: (close-\d{12}) \(stage preflight\)/.exec(asked.stdout)?.[1];
  expect(id).toBeDefined();
  const accountId = id!.slice('close-'.length);

  await closureAt(id!, 'awaiting-decision');
  const status = await vend(['status', accountId], requester);
  expect(status.stdout).toMatch(new RegExp(`^${id}  awaiting-decision`));
  expect(status.stdout).toMatch(/decision due:/);
  const selfApproval = await vend(['approve', id!, '--reason', 'mine'], requester);
  expect(selfApproval.code).toBe(1);
  expect(selfApproval.stderr).toContain('403');
  const attest = await vend(['attest', id!, '--reason', 'x'], { VEND_TOKEN: 'dev-approver' });
  expect(attest.code).toBe(2);
  const noReason = await vend(['cancel', id!], requester);
  expect(noReason.code).toBe(2);
  expect(noReason.stderr).toContain('--reason is required');
  expect((await vend(['approve', id!, '--reason', 'fine'], { VEND_TOKEN: 'dev-approver' })).code).toBe(0);

  const watched = await vend(['watch', id!, '--interval', '200', '--timeout', '50'], requester);
  expect(watched.code).toBe(0);
  expect(watched.stdout).toMatch(/quarantine[\s\S]*closing[\s\S]*suspended/);
  const listed = await vend(['list', '--closures', '--account', accountId], { VEND_TOKEN: 'dev-approver' });
  expect(listed.code).toBe(0);
  expect(listed.stdout).toContain(id!);
  // Eight CLI processes, each a Node.js start, and a watch until SUSPENDED: 60 s on a loaded 2-core machine.
}, 180_000);

function vend(args: string[], extraEnv: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const root = path.resolve(__dirname, '..', '..');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bin', 'vend.js'), ...args],
      { cwd: root, env: { ...process.env, VEND_API_URL: env.apiUrl, ...extraEnv }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
