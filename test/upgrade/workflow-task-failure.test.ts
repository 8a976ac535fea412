/**
 * A bug in workflow code (a TypeError) is not a request outcome: it fails the workflow TASK, which Temporal retries,
 * and the request waits where it stood, RUNNING, until a fixed build is deployed and completes it.
 */
import { temporal } from '@temporalio/proto';
import { type VendingResult } from '../../contract/vending';
import { bundleVariant } from '../support/bundle-variant';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { requestAccount } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ worker: false, sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());

test('a TypeError in a workflow path retries the workflow task; the fixed build completes the request', async () => {
  const buggy = await bundleVariant([
    {
      file: 'workflows/vending.ts',
      replacements: [{ from: "    run.enter('placing');", to: "    run.enter('placing');\n    (undefined as unknown as { bug(): void }).bug();" }],
    },
  ]);
  await env.startWorker(buggy);
  const handle = await requestAccount(env, { email: 'typeerror@example.com' });
  const failures = await waitFor('the workflow task to fail, twice', async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const failed = events.filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    const pending = (await handle.describe()).raw.pendingWorkflowTask;
    return failed.length >= 1 && (pending?.attempt ?? 0) >= 2 ? failed : undefined;
  });
  expect(failures[0].workflowTaskFailedEventAttributes?.failure?.message).toMatch(/bug/);
  const description = await handle.describe();
  expect(description.status.name).toBe('RUNNING');

  await env.stopWorker();
  await env.startWorker();
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  expect(result.accountId).toMatch(/^\d{12}$/);
}, 90_000);
