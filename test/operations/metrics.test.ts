/**
 * Monitoring of the worker process (worker/main.ts, as deployed): its Temporal Runtime serves Prometheus metrics at
 * VEND_METRICS_ADDRESS, and its logs are JSON lines that carry the workflow id (SDK, workflow and activity loggers
 * routed into pino with their metadata).
 */
import path from 'node:path';
import { freePort, spawnManaged, type ManagedProcess } from '../../tooling/processes';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { requestAccount, waitForStage } from '../support/vending';

const ROOT = path.resolve(__dirname, '..', '..');
let env: TestEnv;
let worker: ManagedProcess | undefined;
const lines: string[] = [];
let metricsUrl: string;

beforeAll(async () => {
  env = await startTestEnv({ worker: false, sandbox: { timeScale: 10 } });
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = spawnManaged('worker', path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'worker', 'main.ts')], {
    env: { ...env.workerEnv, VEND_METRICS_ADDRESS: `127.0.0.1:${port}`, LOG_LEVEL: 'debug', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    onLine: (line) => lines.push(line),
  });
  await waitFor('the worker to run', async () => (lines.some((l) => l.includes('"worker running"')) ? true : undefined), 40_000);
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await env?.stop();
});

test('a vending run shows up in the worker\'s Prometheus metrics and in its JSON logs under its workflow id', async () => {
  const handle = await requestAccount(env, { email: 'metrics-1@example.com', accountName: 'metrics-1' });
  await waitForStage(handle, 'completed', 60_000);

  const scrape = await waitFor(
    'temporal_workflow_completed for this task queue',
    async () => {
      const text = await (await fetch(metricsUrl)).text();
      return new RegExp(`^temporal_workflow_completed\\{[^}]*task_queue="${env.taskQueue}"[^}]*\\} [1-9]`, 'm').test(text) ? text : undefined;
    },
    20_000,
  );
  for (const metric of ['temporal_worker_task_slots_available', 'temporal_activity_execution_latency', 'temporal_workflow_task_execution_latency', 'temporal_request']) {
    expect(scrape).toMatch(new RegExp(`^${metric}`, 'm'));
  }

  const json = lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  expect(json.length).toBeGreaterThan(0);
  expect(lines.filter((l) => l.trim().startsWith('{')).length).toBe(lines.filter((l) => l.trim()).length); // all JSON
  const mine = json.filter((entry) => entry.workflowId === handle.workflowId);
  expect(mine.some((entry) => typeof entry.activityType === 'string')).toBe(true); // activity logger lines
  expect(mine.some((entry) => entry.workflowType === 'vendAccount' && entry.activityType === undefined)).toBe(true); // workflow logger lines
  expect(mine.every((entry) => entry.service === 'vending-worker')).toBe(true);
});
