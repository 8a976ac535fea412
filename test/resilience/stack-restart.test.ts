/**
 * The local stack stopped and started again mid-request, as `npm start` is: the Temporal dev server on its SQLite
 * file and the worker SIGKILLed, the sandbox stopped (its AWS state saved in its data folder), then all three started
 * again on the same files and ports. One request is creating its account, one waits for a decision, one is inside
 * its root window. After the restart the sandbox has the same organization, accounts, ARNs and creation requests, and
 * every request completes: one account per email, no root credentials left.
 */
import { paginateListAccounts } from '@aws-sdk/client-organizations';
import { type WorkflowHandle } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type VendingResult } from '../../contract/vending';
import { startSandbox } from '../../sandbox';
import { freePort } from '../../tooling/processes';
import { startTemporalDevServer, type RunningDevServer } from '../../tooling/temporal-dev-server';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { BOB, countOf, decideAs, requestAccount, rootCredentials, sandboxControl, waitForStage } from '../support/vending';
import { expectExactlyOneAccountPerEmail, expectNothingRunning, killHard, resultOf, startWorkerProcess, type WorkerProcess } from './support';

let env: TestEnv;
let server: RunningDevServer | undefined;
let worker: WorkerProcess | undefined;
let done = false;
const dir = mkdtempSync(path.join(os.tmpdir(), 'vend-stack-'));
const sandboxDir = path.join(dir, 'sandbox');
const sharedAddress = process.env.VEND_TEST_TEMPORAL_ADDRESS;
let ports: { port: number; uiPort: number };
let sandboxPort: number;

const startServer = () =>
  startTemporalDevServer({ temporalCli: process.env.VEND_TEST_TEMPORAL_CLI as string, ...ports, dbFile: path.join(dir, 'temporal.db') });

beforeAll(async () => {
  ports = { port: await freePort(), uiPort: await freePort() };
  sandboxPort = await freePort();
  server = await startServer();
  process.env.VEND_TEST_TEMPORAL_ADDRESS = server.address;
  env = await startTestEnv({
    worker: false,
    sandbox: { timeScale: 10, createAccountDurationMs: 20_000, accountReadyDelayMs: 2_000, linkedAccountAccess: false },
    sandboxDataDir: sandboxDir,
    sandboxPort,
    // Deadlines far beyond the restart; a killed worker's activities move on after 5 s.
    policy: {
      activityAttemptTimeoutMs: 5_000,
      decisionDeadlineMs: 600_000,
      rootWindowDeadlineMs: 300_000,
      rootWindowEvidencePollMs: 1_000,
    },
  });
});
afterAll(async () => {
  done = true;
  if (worker) await worker.proc.stop();
  await env?.sandbox.stop(); // the one started after the restart (env.stop() knows the first)
  await env?.stop();
  await server?.process.stop();
  process.env.VEND_TEST_TEMPORAL_ADDRESS = sharedAddress;
  rmSync(dir, { recursive: true, force: true });
});

/** The worker gives up when the server stays away too long; like a supervisor, start it again. */
function superviseWorker(): void {
  const current = startWorkerProcess(env);
  worker = current;
  void current.proc.exited.then(() => {
    if (!done && worker === current) superviseWorker();
  });
}

async function stopSupervisedWorker(): Promise<void> {
  const current = worker!;
  worker = undefined;
  await killHard(current.proc);
}

async function credentialCount(accountId: string): Promise<number> {
  const c = (await rootCredentials(env, accountId)) as unknown as Record<string, unknown>;
  return (c.passwordPresent ? 1 : 0) + countOf(c.mfaDevices) + countOf(c.accessKeys) + countOf(c.signingCertificates);
}

/** What must not change across the restart: the organization, its accounts and their ARNs, the creation requests. */
async function awsIdentity() {
  const accounts: string[] = [];
  for await (const page of paginateListAccounts({ client: env.aws.organizations }, {})) {
    for (const a of page.Accounts ?? []) accounts.push(`${a.Id} ${a.Arn} ${a.Email} ${a.JoinedTimestamp?.toISOString()}`);
  }
  const state = (await sandboxControl(env, 'GET', '/state')).body as {
    organization: unknown;
    accounts: { accountId: string; email: string }[];
    createAccountRequests: { id: string; email: string; state: string; accountId?: string }[];
  };
  return {
    organization: state.organization,
    accounts: accounts.sort(),
    sandboxAccounts: state.accounts.map((a) => `${a.accountId} ${a.email}`).sort(),
    creationRequests: state.createAccountRequests.map((r) => `${r.id} ${r.email} ${r.accountId ?? '-'}`).sort(),
  };
}

async function playRootConsoleStep(handle: WorkflowHandle, accountId: string): Promise<void> {
  await waitForStage(handle, 'root-window-open', 60_000);
  await waitFor('password recovery allowed', async () => ((await rootCredentials(env, accountId)).passwordPresent ? true : undefined), 60_000);
  const res = await sandboxControl(env, 'POST', `/accounts/${accountId}/root-console/billing-access`, { enabled: true });
  expect(res.status).toBe(200);
}

test('stack restarted with a request creating, one awaiting a decision, one inside its root window: same AWS, all complete', async () => {
  const started = Date.now();
  superviseWorker();
  await worker!.ready;

  // Linked-account access is off: both stop for a decision. One is approved and its root window opens.
  const inWindow = await requestAccount(env, { email: 'persist-window@example.com' });
  const awaiting = await requestAccount(env, { email: 'persist-decision@example.com' });
  const windowAccount = (await waitForStage(inWindow, 'awaiting-decision', 90_000)).accountId as string;
  const decisionAccount = (await waitForStage(awaiting, 'awaiting-decision', 90_000)).accountId as string;
  await decideAs(env, inWindow, BOB, 'approve-remediation', 'billing access is off');
  await waitForStage(inWindow, 'root-window-open', 60_000);
  await waitFor('password recovery allowed', async () => ((await rootCredentials(env, windowAccount)).passwordPresent ? true : undefined), 60_000);

  // The third meets linked-account access on and a creation that takes 30 s: it is creating at the restart.
  expect((await sandboxControl(env, 'POST', '/linked-account-access', { enabled: true })).status).toBe(200);
  expect((await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 300_000 })).status).toBe(200);
  const creating = await requestAccount(env, { email: 'persist-creating@example.com' });
  const creatingRequest = await waitFor(
    'the third creation to be in progress',
    async () => {
      const state = await sandboxControl(env, 'GET', '/state');
      return (state.body.createAccountRequests as { id: string; email: string; state: string }[]).find(
        (r) => r.email === 'persist-creating@example.com' && r.state === 'IN_PROGRESS',
      );
    },
    90_000,
  );
  const before = await awsIdentity();

  // Stop: worker and Temporal killed, the sandbox stopped as Ctrl-C stops it.
  await stopSupervisedWorker();
  server!.process.kill('SIGKILL');
  await server!.process.exited;
  await server!.process.stop();
  await env.sandbox.stop();
  const stoppedAt = Date.now() - started;

  server = await startServer();
  env.sandbox = await startSandbox({ motoServerBin: process.env.VEND_TEST_MOTO_SERVER as string, dataDir: sandboxDir, port: sandboxPort });
  superviseWorker();
  await worker!.ready;
  const restartedAt = Date.now() - started;

  // The same AWS: organization, accounts and ARNs, creation requests (the third still in progress).
  expect(await awsIdentity()).toEqual(before);
  const third = (await sandboxControl(env, 'GET', '/state')).body.createAccountRequests.find((r: { id: string }) => r.id === creatingRequest.id);
  expect(third).toMatchObject({ state: 'IN_PROGRESS', email: 'persist-creating@example.com' });
  expect(await credentialCount(windowAccount)).toBeGreaterThan(0); // the open window's login profile is still there

  // Everything moves on: the human's root step in the open window; the waiting request approved and remediated.
  await playRootConsoleStep(inWindow, windowAccount);
  await decideAs(env, awaiting, BOB, 'approve-remediation', 'billing access is off');
  await playRootConsoleStep(awaiting, decisionAccount);
  const results = await Promise.all([inWindow, awaiting, creating].map((h) => resultOf<VendingResult>(h, 240_000)));
  process.stderr.write(`[stack-restart] stopped at ${stoppedAt} ms, back at ${restartedAt} ms, all completed after ${Date.now() - started} ms\n`);

  expect(results.map((r) => r.stage)).toEqual(['completed', 'completed', 'completed']);
  expect(results.slice(0, 2).map((r) => r.accountId)).toEqual([windowAccount, decisionAccount]);
  const emails = ['persist-window@example.com', 'persist-decision@example.com', 'persist-creating@example.com'];
  await expectExactlyOneAccountPerEmail(env, emails);
  const finalState = (await sandboxControl(env, 'GET', '/state')).body.createAccountRequests as { id: string; accountId?: string }[];
  expect(finalState.find((r) => r.id === creatingRequest.id)?.accountId).toBe(results[2].accountId);
  for (const r of results) expect([r.accountId, await credentialCount(r.accountId as string)]).toEqual([r.accountId, 0]);
  await expectNothingRunning(env);
}, 420_000);
