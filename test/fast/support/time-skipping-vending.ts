/**
 * The vending workflow on Temporal's time-skipping test server, with the fake organization's activities on all
 * three vending queues: the real workflow bundle, the real input builder (startVending) and the API's client type,
 * no dev server and no sandbox. Time is skipped only while a test awaits a workflow's result; while it queries,
 * decides or cancels, the workflow's clock runs in real time (a root window stays open meanwhile).
 */
import { type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createVendingClient, type VendingClient } from '../../../client/temporal';
import { SEARCH_ATTRIBUTE_NAMES } from '../../../contract/search-attributes';
import { isTerminalStage, type VendingStage } from '../../../contract/stages';
import { vendingTaskQueues } from '../../../contract/task-queues';
import { statusQuery, type VendingStatus } from '../../../contract/vending';
import { WORKFLOW_BUNDLE_PATH } from '../../support/paths';
import { type FakeOrganization } from './fake-organization';

export interface TimeSkippingVending {
  testEnv: TestWorkflowEnvironment;
  /** The client the API uses (AccountEmail search value, data converter), on the test server's connection. */
  client: VendingClient;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startTimeSkippingVending(org: FakeOrganization): Promise<TimeSkippingVending> {
  const server = process.env.VEND_TEST_TEMPORAL_TEST_SERVER;
  if (!server) throw new Error('VEND_TEST_TEMPORAL_TEST_SERVER is not set: run through jest (its global setup sets it)');
  // Once per test process. Quiet: the SDK's notices about the test server (no workflows on the creation queues, an
  // old server version) would drown jest's output; what the tests check is in their assertions.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const testEnv = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server } } });
  const namespace = testEnv.namespace ?? 'default';
  // The test server knows no custom search attributes until they are registered (the dev server gets them as flags).
  await testEnv.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });

  const taskQueue = `fast-${randomUUID()}`;
  const queues = vendingTaskQueues(taskQueue);
  const activities = org.activities();
  const common = { connection: testEnv.nativeConnection, namespace, activities };
  const workers = await Promise.all([
    Worker.create({ ...common, taskQueue: queues.main, workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }),
    Worker.create({ ...common, taskQueue: queues.accountCreation }),
    Worker.create({ ...common, taskQueue: queues.creationStatus }),
  ]);
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    testEnv,
    client: createVendingClient(testEnv.connection, namespace),
    taskQueue,
    async stop() {
      for (const w of workers) w.shutdown();
      await running;
      await testEnv.teardown();
    },
  };
}

/**
 * Polls the request's status until it reaches `stage`; fails at once when it ends at another stage (the test's
 * failure then names where it went instead of timing out).
 */
export async function stageReached(handle: WorkflowHandle, stage: VendingStage, timeoutMs = 20_000): Promise<VendingStatus> {
  const deadline = Date.now() + timeoutMs;
  let status: VendingStatus | undefined;
  let problem: unknown;
  while (Date.now() < deadline) {
    try {
      status = await handle.query(statusQuery);
    } catch (err) {
      // Until the first workflow task has run there is no one to answer the query.
      problem = err;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    if (status.stage === stage) return status;
    if (isTerminalStage(status.stage)) {
      throw new Error(`the request ended at ${status.stage} instead of reaching ${stage}: ${JSON.stringify(status.failure ?? status.timeline.at(-1))}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const last = status ? `last stage ${status.stage}` : `no status: ${String(problem)}`;
  throw new Error(`the request did not reach ${stage} within ${timeoutMs} ms (${last})`);
}
