/**
 * Every way a request that needs a human can end: reject, attest, no decision before the deadline, a root window
 * that reaches its deadline, and cancellation while the window is open. Wherever a window opened, no root
 * credentials are left behind. (Deadlines are short here; the week-long defaults run in time-skipping.test.ts.)
 */
import { WorkflowFailedError } from '@temporalio/client';
import { statusQuery, type VendingResult } from '../../contract/vending';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { BOB, countOf, decideAs, requestAccount, rootCredentials, sandboxControl, waitForStage } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ sandbox: { timeScale: 10, linkedAccountAccess: false } });
});
afterAll(async () => env?.stop());


async function expectNoRootCredentials(accountId: string): Promise<void> {
  const creds = await rootCredentials(env, accountId);
  expect(creds.passwordPresent).toBe(false);
  expect(countOf(creds.mfaDevices) + countOf(creds.accessKeys)).toBe(0);
}

test('reject ends the request as rejected, with the decision recorded and no window opened', async () => {
  const handle = await requestAccount(env, { email: 'reject-1@example.com' });
  await waitForStage(handle, 'awaiting-decision');
  await decideAs(env, handle, BOB, 'reject', 'not needed');
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('rejected');
  expect(result.decision).toMatchObject({ decision: 'reject', decidedBy: 'bob', reason: 'not needed' });
  expect(result.rootWindow).toBeUndefined();
});

test('attest-enabled completes without a root window', async () => {
  const handle = await requestAccount(env, { email: 'attest-1@example.com' });
  await waitForStage(handle, 'awaiting-decision');
  await decideAs(env, handle, BOB, 'attest-enabled', 'checked in the console');
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  expect(result.timeline.at(-1)?.note).toMatch(/bob attested/);
  expect(result.rootWindow).toBeUndefined();
});

test('no decision before the deadline ends needs-attention, after reminders', async () => {
  const handle = await requestAccount(env, { email: 'deadline-1@example.com' }, {
    policy: { decisionDeadlineMs: 2_500, decisionReminderIntervalMs: 1_000 },
  });
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('needs-attention');
  expect(result.timeline.at(-1)?.note).toMatch(/no decision before the deadline/);
  const reminders = env.notifications.filter((n) => n.kind === 'decision-reminder' && n.requestId === handle.workflowId);
  // Real timers: on a loaded machine the second reminder's timer and the deadline can fire in one workflow task, and
  // the deadline wins. The exact count (one a day for six days) is checked with skipped time (time-skipping.test.ts).
  expect(reminders.length).toBeGreaterThanOrEqual(1);
  expect(reminders.length).toBeLessThanOrEqual(2);
});

test('a root window that reaches its deadline closes, deletes the root credentials and ends needs-attention', async () => {
  const handle = await requestAccount(env, { email: 'window-deadline-1@example.com' }, { policy: { rootWindowDeadlineMs: 2_000 } });
  const waiting = await waitForStage(handle, 'awaiting-decision');
  await decideAs(env, handle, BOB, 'approve-remediation', 'fix billing access');
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('needs-attention');
  expect(result.rootWindow).toMatchObject({ closedBecause: 'deadline', postAudit: { passwordPresent: false } });
  await expectNoRootCredentials(waiting.accountId!);
});

test('cancelling while the window is open closes it: root credentials deleted, stage cancelled', async () => {
  const handle = await requestAccount(env, { email: 'cancel-1@example.com' });
  const waiting = await waitForStage(handle, 'awaiting-decision');
  await decideAs(env, handle, BOB, 'approve-remediation', 'fix billing access');
  await waitFor('the window to open with password recovery allowed', async () =>
    (await rootCredentials(env, waiting.accountId!)).passwordPresent ? true : undefined,
  );
  // Plant a root MFA device and access key too: closing must remove whatever is there.
  const planted = await sandboxControl(env, 'POST', `/accounts/${waiting.accountId}/root-credentials`, { mfaDevices: 1, accessKeys: 1 });
  expect(planted.status).toBeLessThan(300);
  await handle.cancel();
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const status = await handle.query(statusQuery);
  expect(status.stage).toBe('cancelled');
  expect(status.rootWindow).toMatchObject({ closedBecause: 'cancelled', postAudit: { passwordPresent: false, mfaDevices: 0, accessKeys: 0 } });
  await expectNoRootCredentials(waiting.accountId!);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
});

test('a post-audit that still finds root credentials fails the request loudly', async () => {
  const handle = await requestAccount(env, { email: 'stuck-creds-1@example.com' }, { policy: { rootWindowDeadlineMs: 1_500 } });
  const waiting = await waitForStage(handle, 'awaiting-decision');
  // A root access key whose deletion an SCP denies stands for credentials that survive the close.
  const planted = await sandboxControl(env, 'POST', `/accounts/${waiting.accountId}/root-credentials`, {
    accessKeys: 1,
    denyDeletion: true,
  });
  expect(planted.status).toBe(200);
  await decideAs(env, handle, BOB, 'approve-remediation', 'fix billing access');
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const status = await handle.query(statusQuery);
  expect(status.stage).toBe('failed');
  expect(status.failure?.message).toMatch(/ROOT CREDENTIALS REMAIN.*1 access key/);
  expect(status.rootWindow?.postAudit?.accessKeys).toBe(1);
  expect(env.notifications.some((n) => n.kind === 'failed' && /ROOT CREDENTIALS REMAIN/.test(n.message))).toBe(true);
});
