/**
 * One account per request, no orphans, whatever happens around CreateAccount: a cancel while it is in progress, an
 * earlier CreateAccount that lands late (EMAIL_ALREADY_EXISTS), a creation AWS forgets, AWS refusing for its creation
 * limit, a transient failure that needs a pause, and a second person asking for a cancelled request's email.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { creationSlotsQuery, creationSlotsWorkflowId } from '../../contract/creation-slots';
import { statusQuery, type VendingResult, type VendingStatus } from '../../contract/vending';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { requestAccount, sandboxControl, waitForStage } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());
afterEach(async () => {
  await sandboxControl(env, 'POST', '/settings', {
    createAccountDurationMs: 3_000,
    maxCreateAccountsInProgress: 5,
    faults: { responseDelayMs: 0, createStatusListLagMs: 0 },
    forcedCreateFailures: [],
  });
});

interface SandboxState {
  accounts: { accountId: string; email: string }[];
  createAccountRequests: { id: string; email: string; state: string; failureReason?: string; accountId?: string }[];
  counters: Record<string, { calls: number }>;
}
const sandbox = async (): Promise<SandboxState> => (await sandboxControl(env, 'GET', '/state')).body;
const accountsOf = async (email: string) => (await sandbox()).accounts.filter((a) => a.email === email);
const creationsOf = async (email: string) => (await sandbox()).createAccountRequests.filter((r) => r.email === email);

async function creationInProgress(handle: WorkflowHandle): Promise<VendingStatus> {
  return waitFor('CreateAccount to be in progress', async () => {
    const status = await handle.query(statusQuery);
    return status.createAccountRequestId ? status : undefined;
  });
}

async function slotsEmpty(): Promise<void> {
  await waitFor('every creation slot given back', async () => {
    const s = await env.client.workflow.getHandle(creationSlotsWorkflowId(env.taskQueue)).query(creationSlotsQuery);
    return s.waiting.length === 0 && Object.keys(s.holders).length === 0 ? true : undefined;
  });
}

test('cancel while CreateAccount is IN_PROGRESS: the request waits for it, keeps the account id and says what to do', async () => {
  await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 30_000 });
  const handle = await requestAccount(env, { email: 'cancel-creating@example.com' });
  await creationInProgress(handle);
  await handle.cancel();
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const status = await handle.query(statusQuery);
  expect(status.stage).toBe('cancelled');
  const [account] = await accountsOf('cancel-creating@example.com');
  expect(status.accountId).toBe(account.accountId);
  expect(status.timeline.at(-1)?.note).toMatch(new RegExp(`account ${account.accountId} was created.*request the same email again to adopt it`));
  expect(env.notifications.some((n) => n.kind === 'cancelled' && n.accountId === account.accountId && n.audience === 'requester')).toBe(true);
  await slotsEmpty();
});

test('a re-request of a cancelled email: another person is refused, the same requester adopts the account', async () => {
  await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 30_000 });
  const first = await requestAccount(env, { email: 'readopt@example.com' }, { requester: 'alice' });
  await creationInProgress(first);
  await first.cancel();
  await expect(first.result()).rejects.toThrow(WorkflowFailedError);
  const { accountId } = await first.query(statusQuery);

  const byBob = await requestAccount(env, { email: 'readopt@example.com' }, { requester: 'bob' });
  await expect(byBob.result()).rejects.toThrow(WorkflowFailedError);
  const refused = await byBob.query(statusQuery);
  expect(refused.failure).toMatchObject({ type: 'EmailInUseInOrganization', message: expect.stringMatching(/earlier request of alice/) });
  expect(refused.accountId).toBeUndefined();

  const byAlice = await requestAccount(env, { email: 'readopt@example.com' }, { requester: 'alice' });
  const adopted: VendingResult = await byAlice.result();
  expect(adopted.stage).toBe('completed');
  expect(adopted.accountId).toBe(accountId);
  expect(await creationsOf('readopt@example.com')).toHaveLength(1);
});

test('EMAIL_ALREADY_EXISTS from a retried CreateAccount: the first, late one was ours, and the request adopts it', async () => {
  // The first CreateAccount takes effect but its answer is held back past the attempt timeout; while the creation is
  // invisible to the reconcile (list lag), the retry sends a second CreateAccount, which AWS fails: the email exists.
  await sandboxControl(env, 'POST', '/settings', {
    createAccountDurationMs: 80_000,
    faults: { responseDelayMs: 50_000, operations: ['CreateAccount'], createStatusListLagMs: 100_000 },
  });
  const createCalls = async () => (await sandbox()).counters['organizations:CreateAccount']?.calls ?? 0;
  const before = await createCalls();
  const handle = await requestAccount(env, { email: 'late-first@example.com' }, { policy: { activityAttemptTimeoutMs: 3_000 } });
  await waitFor('the first CreateAccount', async () => ((await createCalls()) > before ? true : undefined));
  await sandboxControl(env, 'POST', '/faults', { responseDelayMs: 0 });
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  const creations = await creationsOf('late-first@example.com');
  expect(creations.map((c) => c.failureReason ?? c.state).sort()).toEqual(['EMAIL_ALREADY_EXISTS', 'SUCCEEDED']);
  expect(result.accountId).toBe(creations.find((c) => c.state === 'SUCCEEDED')!.accountId);
  expect(await accountsOf('late-first@example.com')).toHaveLength(1);
  expect(result.timeline.some((t) => /EMAIL_ALREADY_EXISTS: the account is ours/.test(t.note ?? ''))).toBe(true);
});

test('a creation AWS no longer knows: the request lets go of its slot, reconciles and creates again', async () => {
  await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 30_000 });
  const handle = await requestAccount(env, { email: 'vanished@example.com' });
  const { createAccountRequestId } = await creationInProgress(handle);
  expect((await sandboxControl(env, 'POST', `/create-account-requests/${createAccountRequestId}/forget`)).status).toBe(200);
  await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 3_000 });
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  expect(result.createAccountRequestId).not.toBe(createAccountRequestId);
  expect(result.timeline.some((t) => /CreateAccountStatusNotFoundException.*reconciling/.test(t.note ?? ''))).toBe(true);
  expect(await accountsOf('vanished@example.com')).toHaveLength(1);
  await slotsEmpty();
});

test('AWS refusing CreateAccount for its creation limit: requests wait without holding a slot, then all complete', async () => {
  await sandboxControl(env, 'POST', '/settings', { maxCreateAccountsInProgress: 1 });
  const emails = ['refused-1@example.com', 'refused-2@example.com', 'refused-3@example.com'];
  const handles = await Promise.all(emails.map((email) => requestAccount(env, { email })));
  const results: VendingResult[] = await Promise.all(handles.map((h) => h.result()));
  expect(results.map((r) => r.stage)).toEqual(['completed', 'completed', 'completed']);
  const refusals = results.flatMap((r) => r.timeline).filter((t) => /ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED.*trying again/.test(t.note ?? ''));
  expect(refusals.length).toBeGreaterThan(0);
  for (const email of emails) expect(await accountsOf(email)).toHaveLength(1);
  await slotsEmpty();
});

test('PENDING_BUSINESS_VALIDATION is retried after a long pause, not at once', async () => {
  await sandboxControl(env, 'POST', '/settings', {
    forcedCreateFailures: [{ emailPattern: '^business-pending@', reason: 'PENDING_BUSINESS_VALIDATION', times: 1 }],
  });
  const handle = await requestAccount(env, { email: 'business-pending@example.com' }, { policy: { creationRetryPauseMs: 100 } });
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  const [failed, retried] = (await creationsOf('business-pending@example.com')).map((c) => c as typeof c & { requestedAt: string; completedAt: string });
  expect(failed.failureReason).toBe('PENDING_BUSINESS_VALIDATION');
  // 60 pauses of 100 ms: a workflow timer never fires early, so the second CreateAccount came at least 6 s later.
  expect(Date.parse(retried.requestedAt) - Date.parse(failed.completedAt)).toBeGreaterThanOrEqual(6_000);
});

test('a cancel while waiting for a creation slot ends the request without an account', async () => {
  await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 30_000, maxCreateAccountsInProgress: 1 });
  const first = await requestAccount(env, { email: 'slot-holder@example.com' });
  await creationInProgress(first);
  const waiting = await requestAccount(env, { email: 'slot-waiter@example.com' });
  await waitForStage(waiting, 'creating');
  await waiting.cancel();
  await expect(waiting.result()).rejects.toThrow(WorkflowFailedError);
  expect((await waiting.query(statusQuery)).accountId).toBeUndefined();
  await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 3_000 });
  expect((await first.result()).stage).toBe('completed');
  expect(await accountsOf('slot-waiter@example.com')).toHaveLength(0);
});

test('the creation-slot coordinator terminated while requests wait: they ask again, a new one serves them, all complete', async () => {
  await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 20_000 });
  const emails = Array.from({ length: 7 }, (_, i) => `coordinator-lost-${i}@example.com`);
  const handles = await Promise.all(emails.map((email) => requestAccount(env, { email }, { policy: { creationSlotWaitMs: 1_000 } })));
  const coordinator = env.client.workflow.getHandle(creationSlotsWorkflowId(env.taskQueue));
  await waitFor('two requests waiting for a slot', async () => ((await coordinator.query(creationSlotsQuery)).waiting.length >= 2 ? true : undefined));
  await coordinator.terminate('operator terminated the coordinator');
  await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 3_000 });
  const results: VendingResult[] = await Promise.all(handles.map((h) => h.result()));
  expect(results.map((r) => r.stage)).toEqual(emails.map(() => 'completed'));
  for (const email of emails) expect(await accountsOf(email)).toHaveLength(1);
});
