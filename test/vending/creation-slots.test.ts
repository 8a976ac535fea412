/**
 * The organization's creation slots, coordinated: 15 requests at once against AWS's quotas. No CreateAccount is ever
 * refused (no call beyond the 15 needed), never more than 5 creations run at once, and every slot is given back. How
 * promptly a freed slot is reused is a rate, measured against the quota floor in bench/ (throughput scenario).
 */
import { NativeConnection } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { creationSlotsQuery, creationSlotsWorkflowId } from '../../contract/creation-slots';
import { type VendingResult } from '../../contract/vending';
import { type VendingWorkers } from '../../worker/worker';
import { createVendingWorkerSet } from '../../worker/worker-set';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { WORKFLOW_BUNDLE_PATH } from '../support/paths';
import { requestAccount, sandboxControl } from '../support/vending';

const TIME_SCALE = 10;
let env: TestEnv;
let connection: NativeConnection;
let workers: VendingWorkers;
let running: Promise<void>;

beforeAll(async () => {
  // 60 s of AWS time per creation (6 s real): 5 slots / 60 s < 0.1/s, so the 5-slot limit binds, as in AWS.
  env = await startTestEnv({ worker: false, sandbox: { timeScale: TIME_SCALE, createAccountDurationMs: 60_000 } });
  connection = await NativeConnection.connect({ address: process.env.VEND_TEST_TEMPORAL_ADDRESS! });
  workers = await createVendingWorkerSet({
    connection,
    client: env.client,
    namespace: 'default',
    taskQueue: env.taskQueue,
    awsQuotaScale: TIME_SCALE,
    workflowBundle: { code: readFileSync(WORKFLOW_BUNDLE_PATH, 'utf8') },
    aws: env.aws,
    notificationSinks: [],
  });
  running = workers.run();
});
afterAll(async () => {
  workers?.shutdown();
  await running;
  await connection?.close();
  await env?.stop();
});

test('15 requests at once: every CreateAccount accepted, never more than 5 in flight, every slot given back', async () => {
  const emails = Array.from({ length: 15 }, (_, i) => `slot-${i}@example.com`);
  const handles = await Promise.all(emails.map((email) => requestAccount(env, { email })));
  const results: VendingResult[] = await Promise.all(handles.map((h) => h.result()));
  expect(results.map((r) => r.stage)).toEqual(emails.map(() => 'completed'));

  const state = await sandboxControl(env, 'GET', '/state');
  // Throttled calls are retried by the SDK; what must not happen is a refusal for the 5-in-flight limit.
  const createCalls = state.body.counters['organizations:CreateAccount'];
  expect(createCalls.calls - createCalls.throttled - createCalls.faults).toBe(15);
  const creates = state.body.createAccountRequests as { requestedAt: string; completedAt: string }[];
  expect(creates).toHaveLength(15);
  // Never more than 5 in progress at any moment (AWS would have refused the sixth).
  const events = creates.flatMap((c) => [
    { t: Date.parse(c.requestedAt), d: 1 },
    { t: Date.parse(c.completedAt), d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let inFlight = 0;
  let peak = 0;
  for (const e of events) peak = Math.max(peak, (inFlight += e.d));
  expect(peak).toBeLessThanOrEqual(5);
  // How promptly freed slots are reused (efficiency against the quota floor) is a rate: bench/ measures it.

  // Everyone gave their slot back; the coordinator is empty.
  const coordinator = env.client.workflow.getHandle(creationSlotsWorkflowId(env.taskQueue));
  const slots = await waitFor('all slots released', async () => {
    const s = await coordinator.query(creationSlotsQuery);
    return s.waiting.length === 0 && Object.keys(s.holders).length === 0 ? s : undefined;
  });
  expect(slots.waiting).toEqual([]);
}, 180_000);
