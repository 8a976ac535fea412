/**
 * 20 requests while the worker process is SIGKILLed and restarted at random moments, 5 times. CreateAccount's answer
 * is held back after AWS took it (responseDelayMs), so kills also land in the "AWS did it, the worker never heard"
 * window. Exactly 20 accounts, one creation each, all requests completed, nothing left running.
 */
import { type VendingResult } from '../../contract/vending';
import { startTestEnv, type TestEnv } from '../support/env';
import { requestAccount } from '../support/vending';
import { expectExactlyOneAccountPerEmail, expectNothingRunning, killHard, resultOf, startWorkerProcess, type WorkerProcess } from './support';

let env: TestEnv;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  env = await startTestEnv({
    worker: false,
    sandbox: {
      timeScale: 10,
      createAccountDurationMs: 20_000,
      accountReadyDelayMs: 2_000,
      faults: { responseDelayMs: 5_000, operations: ['CreateAccount'] },
    },
    // A killed worker's activity is handed to the next worker after this long.
    policy: { activityAttemptTimeoutMs: 3_000 },
  });
});
afterAll(async () => {
  if (worker) await worker.proc.stop();
  await env?.stop();
});

test('5 random SIGKILLs of the worker during 20 requests: 20 accounts, all completed, no duplicate', async () => {
  const started = Date.now();
  worker = startWorkerProcess(env);
  await worker.ready;
  const emails = Array.from({ length: 20 }, (_, i) => `kill-${i}@example.com`);
  const handles = await Promise.all(emails.map((email) => requestAccount(env, { email })));
  const settled = Promise.all(handles.map((h) => resultOf<VendingResult>(h, 240_000)));

  const kills: number[] = [];
  for (let k = 0; k < 5; k++) {
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 2_500));
    await killHard(worker.proc);
    kills.push(Date.now() - started);
    worker = startWorkerProcess(env);
    await worker.ready;
  }
  const results = await settled;
  process.stderr.write(`[worker-kills] kills at ${kills.join(', ')} ms; all settled after ${Date.now() - started} ms\n`);

  expect(results.map((r) => r.stage)).toEqual(emails.map(() => 'completed'));
  expect(new Set(results.map((r) => r.accountId)).size).toBe(20);
  await expectExactlyOneAccountPerEmail(env, emails);
  await expectNothingRunning(env);
}, 280_000);
