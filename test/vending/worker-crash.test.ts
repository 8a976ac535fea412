/**
 * A worker SIGKILLed right after CreateAccount went out must not make a second account: the retried activity
 * reconciles (ListCreateAccountStatus / ListAccounts) before it would send CreateAccount again.
 */
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import path from 'node:path';
import { spawnManaged, type ManagedProcess } from '../../tooling/processes';
import { type VendingResult } from '../../contract/vending';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { requestAccount, sandboxControl } from '../support/vending';

const ROOT = path.resolve(__dirname, '..', '..');
let env: TestEnv;
let worker: ManagedProcess | undefined;

beforeAll(async () => {
  // The answer to CreateAccount is held back after AWS recorded the request: the kill lands between the two.
  env = await startTestEnv({
    worker: false,
    sandbox: { timeScale: 10, faults: { responseDelayMs: 30_000, operations: ["CreateAccount"] } },
    policy: { activityAttemptTimeoutMs: 5_000 },
  });
});
afterAll(async () => {
  await worker?.stop();
  await env?.stop();
});

function startWorkerProcess(): ManagedProcess {
  const output: string[] = [];
  return spawnManaged('worker', path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'worker', 'main.ts')], {
    env: env.workerEnv,
    onLine: (line) => output.push(line),
  });
}

test('SIGKILL right after CreateAccount was sent, restart: exactly one account and the request completes', async () => {
  worker = startWorkerProcess();
  const handle = await requestAccount(env, { email: 'crash-1@example.com', accountName: 'crash-1' });
  const sent = await waitFor(
    'CreateAccount to reach AWS',
    async () => {
      const state = await sandboxControl(env, 'GET', '/state');
      return state.body.createAccountRequests.find((r: { accountName: string }) => r.accountName === 'crash-1');
    },
    60_000,
    20,
  );
  worker.kill('SIGKILL');
  await worker.exited;

  // The kill landed before the worker could report the activity's result.
  const history = await handle.fetchHistory();
  const completedCreates = (history.events ?? []).filter(
    (e) => e.activityTaskCompletedEventAttributes && JSON.stringify(e).includes('requested'),
  );
  expect(completedCreates).toHaveLength(0);
  expect(sent.state).toBe('IN_PROGRESS');

  worker = startWorkerProcess();
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  const { Accounts } = await env.aws.organizations.send(new ListAccountsCommand({}));
  expect(Accounts?.filter((a) => a.Email === 'crash-1@example.com')).toHaveLength(1);
  const state = await sandboxControl(env, 'GET', '/state');
  expect(state.body.createAccountRequests.filter((r: { accountName: string }) => r.accountName === 'crash-1')).toHaveLength(1);
}, 120_000);
