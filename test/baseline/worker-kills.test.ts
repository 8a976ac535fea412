/**
 * Each baseline step killed mid-way: the worker runs as its own process and is SIGKILLed right after a step's
 * mutating call reached AWS (the sandbox holds the answer back, so the call took effect but the worker never heard).
 * A new worker reconciles each step and the request completes without anything done twice, counted by the sandbox.
 */
import path from 'node:path';
import { spawnManaged, type ManagedProcess } from '../../tooling/processes';
import { type VendingResult } from '../../contract/vending';
import { baselineOf } from '../support/baseline';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { WORKFLOW_BUNDLE_PATH } from '../support/paths';
import { requestAccount, sandboxControl } from '../support/vending';

const ROOT = path.resolve(__dirname, '..', '..');
/** The first mutating call of each step, in step order. */
const KILL_POINTS = [
  ['identity-center', 'sso:CreateAccountAssignment'],
  ['regions', 'account:EnableRegion'],
  ['contacts', 'account:PutContactInformation'],
  ['budget', 'budgets:CreateBudget'],
  ['default-vpcs', 'ec2:DeleteVpc'],
  ['guardrails', 'organizations:AttachPolicy'],
] as const;

let env: TestEnv;
let worker: ManagedProcess | undefined;

beforeAll(async () => {
  env = await startTestEnv({
    worker: false,
    // 1 s of wall time per held answer; an attempt (7 held DeleteVpc answers at most) stays well inside its timeout,
    // which is also how long a killed attempt stays lost.
    sandbox: { timeScale: 10, faults: { responseDelayMs: 10_000, operations: KILL_POINTS.map(([, op]) => op) } },
    policy: { activityAttemptTimeoutMs: 12_000 },
  });
});
afterAll(async () => {
  await worker?.stop();
  await env?.stop();
});

function startWorkerProcess(): ManagedProcess {
  return spawnManaged('worker', path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'worker', 'main.ts')], {
    env: { ...env.workerEnv, VEND_WORKFLOW_BUNDLE: WORKFLOW_BUNDLE_PATH },
    onLine: () => undefined,
  });
}

const calls = async (operation: string): Promise<number> => (await sandboxControl(env, 'GET', '/state')).body.counters[operation]?.calls ?? 0;

test('SIGKILL inside every step, restart each time: the request completes and nothing was done twice', async () => {
  worker = startWorkerProcess();
  const handle = await requestAccount(env, { email: 'kills-1@example.com', accountName: 'kills-1' }, { baseline: baselineOf(env, 'standard-workload', { stepDeadlineMs: 180_000, regionsDeadlineMs: 180_000 }) });
  for (const [step, operation] of KILL_POINTS) {
    await waitFor(`${operation} to reach AWS (${step})`, async () => ((await calls(operation)) > 0 ? true : undefined), 120_000, 20);
    worker.kill('SIGKILL');
    await worker.exited;
    worker = startWorkerProcess();
  }
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  expect(result.baseline?.steps.map((s) => `${s.step}:${s.state}:${s.runs}`)).toEqual(KILL_POINTS.map(([step]) => `${step}:done:1`));

  const state = (await sandboxControl(env, 'GET', '/state')).body;
  const enabledByDefault = 4;
  // Each assignment created once (3 groups and the requester); each region enabled once.
  expect(Object.values(state.baseline.assignmentCreations)).toEqual([1, 1, 1, 1]);
  expect(state.baseline.regionEnables).toBe(3);
  expect(state.baseline.contactInformationPuts).toBe(1);
  // Each mutation succeeded once. (A retry racing the killed attempt's call may call again, and AWS answers that
  // the work is already done: a call, not a second mutation.)
  const succeeded = (operation: string) => state.counters[operation]?.succeeded ?? 0;
  expect(succeeded('account:PutAlternateContact')).toBe(2);
  expect(succeeded('budgets:CreateBudget')).toBe(1);
  expect(state.counters['budgets:CreateNotification']?.calls ?? 0).toBe(0);
  expect(succeeded('ec2:DeleteVpc')).toBe(enabledByDefault + 3);
  expect(succeeded('organizations:AttachPolicy')).toBe(3);
}, 300_000);
