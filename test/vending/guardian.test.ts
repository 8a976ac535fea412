/**
 * The root-window guardian covers the paths that skip workflow code: an operator's Terminate or Reset while a root
 * window is open, a Terminate while the account is being created, and credentials that appear after a window closed.
 * Each ends with the account's root credentials gone (or an alarm naming them), and an operator alarm naming the
 * account, raised once.
 */
import { type WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { guardianRunIds } from '../../contract/guardian';
import { SafetyAlarmKey } from '../../contract/search-attributes';
import { type Notification } from '../../contract/notifications';
import { startTestEnv, type TestEnv } from '../support/env';
import { api, waitFor } from '../support/http';
import { formatRequest } from '../../client/cli/format';
import { BOB, countOf, decideAs, requestAccount, rootCredentials, sandboxControl, waitForStage } from '../support/vending';

const GUARDIAN_MS = 2_000;
let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ api: true, sandbox: { timeScale: 10, linkedAccountAccess: false }, guardianIntervalMs: GUARDIAN_MS });
});
afterAll(async () => env?.stop());

async function windowOpen(email: string): Promise<{ handle: WorkflowHandle; accountId: string }> {
  const handle = await requestAccount(env, { email });
  const waiting = await waitForStage(handle, 'awaiting-decision');
  await decideAs(env, handle, BOB, 'approve-remediation', 'fix billing access');
  await waitForStage(handle, 'root-window-open');
  await waitFor('password recovery to be allowed', async () => ((await rootCredentials(env, waiting.accountId!)).passwordPresent ? true : undefined));
  return { handle, accountId: waiting.accountId! };
}

function alarmsFor(accountId: string, kind: Notification['kind']): Notification[] {
  return env.notifications.filter((n) => n.kind === kind && n.accountId === accountId && n.severity === 'critical' && n.audience === 'operators');
}

async function noRootCredentials(accountId: string): Promise<true | undefined> {
  const creds = await rootCredentials(env, accountId);
  return !creds.passwordPresent && countOf(creds.mfaDevices) + countOf(creds.accessKeys) === 0 ? true : undefined;
}

test('Terminate inside the root window: the guardian deletes the root credentials and alarms operators, once', async () => {
  const { handle, accountId } = await windowOpen('guard-terminate@example.com');
  // The person has reset the password and registered MFA and a key meanwhile: all of it must go.
  expect((await sandboxControl(env, 'POST', `/accounts/${accountId}/root-credentials`, { mfaDevices: 1, accessKeys: 1 })).status).toBe(200);
  const { runId } = await handle.describe();
  const terminatedAt = Date.now();
  await handle.terminate('operator terminated the request');

  await waitFor('the guardian to close the window', () => noRootCredentials(accountId), 60_000);
  const alarm = await waitFor('an operator alarm naming the account', async () => alarmsFor(accountId, 'root-window-abandoned')[0], 60_000);
  process.stdout.write(`[guardian] window closed and alarmed ${Date.now() - terminatedAt} ms after Terminate (period ${GUARDIAN_MS} ms)\n`);
  expect(alarm.message).toMatch(/TERMINATED/);
  expect(alarm.requestId).toBe(handle.workflowId);

  // The cleanup is a run of its own, findable by its SafetyAlarm; later passes do not repeat it.
  const cleanup = await env.client.workflow.getHandle(guardianRunIds.closeWindow({ requestId: handle.workflowId, runId })).describe();
  expect(cleanup.typedSearchAttributes.get(SafetyAlarmKey)).toBe('root-window-abandoned');
  await new Promise((r) => setTimeout(r, 3 * GUARDIAN_MS));
  expect(alarmsFor(accountId, 'root-window-abandoned')).toHaveLength(1);

  // The request itself shows the finding (GET and `vend status`), though its run can no longer say anything.
  const view = await api(env.apiUrl!, 'GET', `/v1/account-requests/${handle.workflowId}`, { token: 'dev-admin' });
  expect(view.body.execution).toBe('TERMINATED');
  // Two findings: the window it left open (closed by the guardian) and the account no live request owns any more.
  expect(view.body.guardianFindings).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ alarm: 'root-window-abandoned', accountId, execution: 'COMPLETED' }),
      expect.objectContaining({ alarm: 'orphan-account', accountId }),
    ]),
  );
  expect(formatRequest(view.body)).toMatch(/GUARDIAN:\s+root-window-abandoned on account \d{12}/);
});

test('a deletion an SCP refuses after Terminate: the guardian alarms that root credentials remain', async () => {
  const { handle, accountId } = await windowOpen('guard-scp@example.com');
  expect((await sandboxControl(env, 'POST', `/accounts/${accountId}/root-credentials`, { accessKeys: 1, denyDeletion: true })).status).toBe(200);
  await handle.terminate('operator terminated the request');
  const alarm = await waitFor('a root-credentials-remain alarm', async () => alarmsFor(accountId, 'root-credentials-remain')[0], 60_000);
  expect(alarm.message).toMatch(/ROOT CREDENTIALS REMAIN.*access key/);
  expect(alarm.message).toMatch(/AccessDenied/);
});

test('Reset to before the decision: the old run window is closed by the guardian, the new run decides and opens its own', async () => {
  const { handle, accountId } = await windowOpen('guard-reset@example.com');
  const { runId } = await handle.describe();
  // The last workflow task completed before the decision was accepted: the new run waits for a decision again.
  const history = await handle.fetchHistory();
  const accepted = history.events!.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  const resetTo = [...history.events!.slice(0, accepted)].reverse().find((e) => e.workflowTaskCompletedEventAttributes)!;
  const { runId: newRunId } = await env.client.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: handle.workflowId, runId },
    workflowTaskFinishEventId: resetTo.eventId,
    requestId: randomUUID(),
    reason: 'operator reset the request',
  });
  await waitFor('the guardian to close the old run window', () => noRootCredentials(accountId), 60_000);
  await waitFor('an alarm for the old run', async () => alarmsFor(accountId, 'root-window-abandoned')[0], 60_000);

  const current = env.client.workflow.getHandle(handle.workflowId, newRunId!);
  await waitForStage(current, 'awaiting-decision');
  await decideAs(env, current, BOB, 'approve-remediation', 'again, after the reset');
  await waitForStage(current, 'root-window-open');
  await sandboxControl(env, 'POST', `/accounts/${accountId}/root-console/billing-access`, { enabled: true });
  const result = await current.result();
  expect(result.stage).toBe('completed');
  expect(await noRootCredentials(accountId)).toBe(true);
});

test('Terminate while the account is being created: the account is reported to operators as an orphan', async () => {
  await env.sandbox.updateSettings({ createAccountDurationMs: 30_000 });
  try {
    const handle = await requestAccount(env, { email: 'guard-orphan@example.com' });
    await waitFor('CreateAccount to be in progress', async () => {
      const status = await handle.query('status' as never) as { createAccountRequestId?: string };
      return status.createAccountRequestId ? true : undefined;
    });
    await handle.terminate('operator terminated the request');
    const alarm = await waitFor('an orphan alarm', async () => env.notifications.find((n) => n.kind === 'orphan-account' && n.requestId === handle.workflowId), 60_000);
    const state = await sandboxControl(env, 'GET', '/state');
    const account = state.body.accounts.find((a: { email: string }) => a.email === 'guard-orphan@example.com');
    expect(alarm.accountId).toBe(account.accountId);
    expect(alarm.severity).toBe('critical');
  } finally {
    await env.sandbox.updateSettings({ createAccountDurationMs: 3_000 });
  }
});

test('a root credential that appears after a window closed is found by the re-audit', async () => {
  const { handle, accountId } = await windowOpen('guard-reaudit@example.com');
  await sandboxControl(env, 'POST', `/accounts/${accountId}/root-console/billing-access`, { enabled: true });
  expect((await handle.result()).stage).toBe('completed');
  expect((await sandboxControl(env, 'POST', `/accounts/${accountId}/root-credentials`, { accessKeys: 1 })).status).toBe(200);
  const alarm = await waitFor('a re-audit alarm', async () => alarmsFor(accountId, 'root-credentials-remain')[0], 60_000);
  expect(alarm.message).toMatch(/after its root window closed/);
});
