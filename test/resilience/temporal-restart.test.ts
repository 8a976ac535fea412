/**
 * The Temporal server SIGKILLed mid-run and started again on its SQLite file (same ports): every request still
 * completes, each with exactly one account. This file runs its own dev server (persistent, in a temp dir) instead
 * of the suite's shared in-memory one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type VendingResult } from '../../contract/vending';
import { freePort } from '../../tooling/processes';
import { startTemporalDevServer, type RunningDevServer } from '../../tooling/temporal-dev-server';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { requestAccount, sandboxControl } from '../support/vending';
import { expectExactlyOneAccountPerEmail, expectNothingRunning, resultOf, startWorkerProcess, type WorkerProcess } from './support';

let env: TestEnv;
let server: RunningDevServer | undefined;
let worker: WorkerProcess | undefined;
let done = false;
const dir = mkdtempSync(path.join(os.tmpdir(), 'vend-temporal-'));
const sharedAddress = process.env.VEND_TEST_TEMPORAL_ADDRESS;
let ports: { port: number; uiPort: number };

const startServer = () =>
  startTemporalDevServer({ temporalCli: process.env.VEND_TEST_TEMPORAL_CLI as string, ...ports, dbFile: path.join(dir, 'temporal.db') });

beforeAll(async () => {
  ports = { port: await freePort(), uiPort: await freePort() };
  server = await startServer();
  process.env.VEND_TEST_TEMPORAL_ADDRESS = server.address;
  env = await startTestEnv({
    worker: false,
    sandbox: { timeScale: 10, createAccountDurationMs: 20_000, accountReadyDelayMs: 2_000 },
    policy: { activityAttemptTimeoutMs: 5_000 },
  });
});
afterAll(async () => {
  done = true;
  if (worker) await worker.proc.stop();
  await env?.stop();
  await server?.process.stop();
  process.env.VEND_TEST_TEMPORAL_ADDRESS = sharedAddress;
  rmSync(dir, { recursive: true, force: true });
});

/** The worker gives up when the server stays away too long; like a supervisor, start it again. */
function superviseWorker(): void {
  worker = startWorkerProcess(env);
  void worker.proc.exited.then(() => {
    if (!done) superviseWorker();
  });
}

test('Temporal killed and restarted on its SQLite file mid-run: all 12 requests complete, no duplicate', async () => {
  const started = Date.now();
  superviseWorker();
  await worker!.ready;
  const emails = Array.from({ length: 12 }, (_, i) => `restart-${i}@example.com`);
  const handles = await Promise.all(emails.map((email) => requestAccount(env, { email })));

  // Kill it while creations are in flight and some requests are further along.
  await waitFor('a few creations to be under way', async () => {
    const state = await sandboxControl(env, 'GET', '/state');
    return state.body.createAccountRequests.length >= 6 ? true : undefined;
  }, 60_000, 100);
  server!.process.kill('SIGKILL');
  await server!.process.exited;
  await server!.process.stop();
  const killedAt = Date.now() - started;
  await new Promise((r) => setTimeout(r, 3_000));
  server = await startServer();
  const restartedAt = Date.now() - started;

  const results = await Promise.all(handles.map((h) => resultOf<VendingResult>(h, 240_000)));
  process.stderr.write(`[temporal-restart] killed at ${killedAt} ms, back at ${restartedAt} ms, all settled after ${Date.now() - started} ms\n`);
  expect(results.map((r) => r.stage)).toEqual(emails.map(() => 'completed'));
  await expectExactlyOneAccountPerEmail(env, emails);
  await expectNothingRunning(env);
}, 280_000);
