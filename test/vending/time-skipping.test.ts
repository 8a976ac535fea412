/**
 * The week-long timers at their real defaults, on Temporal's time-skipping test server: a decision that never comes
 * (7-day deadline, a reminder every 24 h) and a root window that runs out (4 h). Activities still run against the
 * sandbox; only timers are skipped.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createActivities } from '../../activities';
import { createAwsClients, type AwsClients } from '../../activities/aws-clients';
import { type Notification } from '../../contract/notifications';
import { SEARCH_ATTRIBUTE_NAMES } from '../../contract/search-attributes';
import { vendingTaskQueues } from '../../contract/task-queues';
import { temporal } from '@temporalio/proto';
import { statusQuery, VENDING_INPUT_VERSION, VENDING_WORKFLOW_TYPE, type VendingInput, type VendingResult } from '../../contract/vending';
import { POLICY_DEFAULTS, resolvePolicy } from '../../contract/policy-defaults';
import { maxHistoryEvents } from '../../contract/policy';
import { randomDecisionSigner } from '../../client/decision-signer';
import { decide, describeRequest } from '../../client/temporal';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { WORKFLOW_BUNDLE_PATH } from '../support/paths';
import { BOB, rootCredentials } from '../support/vending';

const signer = randomDecisionSigner();

let testEnv: TestWorkflowEnvironment;
let sandbox: RunningSandbox;
let aws: AwsClients;
const notifications: Notification[] = [];

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  [testEnv, sandbox] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: process.env.VEND_TEST_TEMPORAL_TEST_SERVER! } },
    }),
    startSandbox({
      motoServerBin: process.env.VEND_TEST_MOTO_SERVER!,
      // Creation and readiness take no real time here: skipped time must not outrun the sandbox's real clock.
      settings: { linkedAccountAccess: false, createAccountDurationMs: 0, accountReadyDelayMs: 0, throttling: false },
    }),
  ]);
  // The test server knows no custom search attributes until they are registered, as the dev server's flags do.
  await testEnv.connection.operatorService.addSearchAttributes({
    namespace: testEnv.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  aws = createAwsClients({ region: sandbox.region, endpoint: sandbox.endpoint, staticCredentials: sandbox.credentials, memberRoleName: 'OrganizationAccountAccessRole', maxAttempts: 5 });
}, 120_000);
afterAll(async () => {
  aws?.destroy();
  await testEnv?.teardown();
  await sandbox?.stop();
});

/** All three queues in one worker set, with the workflow bundle built by the global setup. */
async function runWithWorkers<T>(taskQueue: string, body: () => Promise<T>): Promise<T> {
  const activities = createActivities({ aws, notificationSinks: [{ send: async (n) => void notifications.push(n) }] });
  const queues = vendingTaskQueues(taskQueue);
  const common = { connection: testEnv.nativeConnection, namespace: testEnv.namespace ?? 'default' };
  const workers = await Promise.all([
    Worker.create({ ...common, taskQueue: queues.main, activities, workflowBundle: { code: readFileSync(WORKFLOW_BUNDLE_PATH, 'utf8') } }),
    Worker.create({ ...common, taskQueue: queues.accountCreation, activities }),
    Worker.create({ ...common, taskQueue: queues.creationStatus, activities }),
  ]);
  const [first, ...rest] = workers;
  return first.runUntil(async () => {
    const others = rest.map((w) => w.run());
    try {
      return await body();
    } finally {
      for (const w of rest) w.shutdown();
      await Promise.all(others);
    }
  });
}

/** A request as the API accepts it today: the policy resolved completely (production defaults), signing keys. */
function input(email: string, defaults = POLICY_DEFAULTS): VendingInput {
  return {
    inputVersion: VENDING_INPUT_VERSION,
    request: { accountName: email.split('@')[0], email, organizationalUnit: 'Workloads' },
    requester: 'alice',
    requesterRoles: ['requester'],
    requestedAt: new Date().toISOString(),
    policy: resolvePolicy({ creationPollIntervalMs: 1_000, readinessPollIntervalMs: 1_000 }, defaults),
    decisionKeys: signer.publicKeys(),
  };
}

/** A request as the API accepted it before input version 2: a partial policy, completed by the workflow back then. */
function legacyInput(email: string): unknown {
  return {
    request: { accountName: email.split('@')[0], email, organizationalUnit: 'Workloads' },
    requester: 'alice',
    requesterRoles: ['requester'],
    requestedAt: new Date().toISOString(),
    policy: { creationPollIntervalMs: 1_000, readinessPollIntervalMs: 1_000 },
  };
}

async function decisionDeadlineRun(workflowId: string, args: unknown[]): Promise<VendingResult> {
  const taskQueue = `ts-${randomUUID()}`;
  return runWithWorkers(taskQueue, async () => {
    const handle = await testEnv.client.workflow.start(VENDING_WORKFLOW_TYPE, { taskQueue, workflowId, args });
    return (await handle.result()) as VendingResult;
  });
}

function waitedForDecision(result: VendingResult): number {
  return Date.parse(result.timeline.at(-1)!.enteredAt) - Date.parse(result.timeline.find((t) => t.stage === 'awaiting-decision')!.enteredAt);
}

test('no decision in 7 days: six daily reminders, then needs-attention', async () => {
  const result = await decisionDeadlineRun(`ts-decision-${randomUUID()}`, [input('week-1@example.com')]);
  expect(result.stage).toBe('needs-attention');
  const reminders = notifications.filter((n) => n.kind === 'decision-reminder' && n.accountName === 'week-1');
  expect(reminders).toHaveLength(6);
  expect(waitedForDecision(result)).toBeGreaterThanOrEqual(7 * 24 * 3_600_000);
}, 120_000);

test('a policy default changed after a request was accepted does not change its timers', async () => {
  // Accepted while the default deadline was 2 days; the code's default is 7 days now: the request keeps its 2 days.
  const earlier = { ...POLICY_DEFAULTS, decisionDeadlineMs: 2 * 24 * 3_600_000 };
  const result = await decisionDeadlineRun(`ts-earlier-${randomUUID()}`, [input('two-days@example.com', earlier)]);
  expect(result.stage).toBe('needs-attention');
  expect(waitedForDecision(result)).toBeGreaterThanOrEqual(2 * 24 * 3_600_000);
  expect(waitedForDecision(result)).toBeLessThan(3 * 24 * 3_600_000);
  expect(notifications.filter((n) => n.kind === 'decision-reminder' && n.accountName === 'two-days')).toHaveLength(1);
}, 120_000);

test('a request accepted before input version 2 keeps the defaults it was started with (7 days)', async () => {
  const result = await decisionDeadlineRun(`ts-legacy-${randomUUID()}`, [legacyInput('legacy-week@example.com')]);
  expect(result.stage).toBe('needs-attention');
  expect(waitedForDecision(result)).toBeGreaterThanOrEqual(7 * 24 * 3_600_000);
  expect(waitedForDecision(result)).toBeLessThan(8 * 24 * 3_600_000);
}, 120_000);

test('an approved root window with no remediation closes at its 4 h deadline, leaving no root credentials', async () => {
  const taskQueue = `ts-${randomUUID()}`;
  const result = await runWithWorkers(taskQueue, async () => {
    const handle = await testEnv.client.workflow.start(VENDING_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `ts-window-${randomUUID()}`,
      args: [input('window-4h@example.com')],
    });
    // Wait (in real time) for the decision stage, then approve.
    for (let i = 0; i < 300; i++) {
      if ((await handle.query(statusQuery)).stage === 'awaiting-decision') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const facts = await describeRequest(testEnv.client, handle.workflowId);
    await decide(testEnv.client, signer, { id: handle.workflowId, ...facts }, BOB, { decision: 'approve-remediation', reason: 'fix it' });
    return (await handle.result()) as VendingResult;
  });
  expect(result.stage).toBe('needs-attention');
  expect(result.rootWindow?.closedBecause).toBe('deadline');
  const open = Date.parse(result.rootWindow!.closedAt!) - Date.parse(result.rootWindow!.openedAt!);
  expect(open).toBeGreaterThanOrEqual(4 * 3_600_000);
  const creds = await rootCredentials({ sandbox } as never, result.accountId!);
  expect(creds.passwordPresent).toBe(false);
}, 180_000);

/**
 * The policy's bounds keep a request's history under HISTORY_EVENT_BUDGET by counting its loops (contract/policy.ts
 * maxHistoryEvents). Two runs that differ only in how many times a loop turns show what one turn costs; the estimate
 * must not undercount it, nor the stages around it.
 */
describe('history stays within the policy estimate', () => {
  async function events(workflowId: string, args: unknown[], drive?: (id: string) => Promise<void>): Promise<{ events: number; result: VendingResult }> {
    const taskQueue = `ts-${randomUUID()}`;
    return runWithWorkers(taskQueue, async () => {
      const handle = await testEnv.client.workflow.start(VENDING_WORKFLOW_TYPE, { taskQueue, workflowId, args });
      if (drive) await drive(workflowId);
      const result = (await handle.result()) as VendingResult;
      return { events: (await handle.fetchHistory()).events!.length, result };
    });
  }
  const HOUR = 3_600_000;

  test('each decision reminder costs at most the 12 events the estimate allows', async () => {
    const withReminders = (n: number) => {
      const i = input(`reminders-${n}@example.com`);
      i.policy = resolvePolicy({ creationPollIntervalMs: 1_000, readinessPollIntervalMs: 1_000, decisionReminderIntervalMs: HOUR, decisionDeadlineMs: (n + 1) * HOUR - 1 });
      return i;
    };
    const few = await events(`ts-rem-5-${randomUUID()}`, [withReminders(5)]);
    const many = await events(`ts-rem-45-${randomUUID()}`, [withReminders(45)]);
    expect([few.result.stage, many.result.stage]).toEqual(['needs-attention', 'needs-attention']);
    const perReminder = (many.events - few.events) / 40;
    process.stdout.write(`[history] ${few.events} events with 5 reminders, ${many.events} with 45: ${perReminder} per reminder\n`);
    expect(perReminder).toBeLessThanOrEqual(12);
    expect(many.events).toBeLessThanOrEqual(maxHistoryEvents(withReminders(45).policy));
  }, 180_000);

  test('each CloudTrail poll of an open root window costs at most the 12 events the estimate allows', async () => {
    const withPolls = (n: number) => {
      const i = input(`polls-${n}@example.com`);
      i.policy = resolvePolicy({ creationPollIntervalMs: 1_000, readinessPollIntervalMs: 1_000, rootWindowEvidencePollMs: 60_000, rootWindowDeadlineMs: n * 60_000 });
      return i;
    };
    const approve = async (id: string) => {
      for (let i = 0; i < 300 && (await testEnv.client.workflow.getHandle(id).query(statusQuery)).stage !== 'awaiting-decision'; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const facts = await describeRequest(testEnv.client, id);
      await decide(testEnv.client, signer, { id, ...facts }, BOB, { decision: 'approve-remediation', reason: 'count the polls' });
    };
    const few = await events(`ts-poll-5-${randomUUID()}`, [withPolls(5)], approve);
    const many = await events(`ts-poll-45-${randomUUID()}`, [withPolls(45)], approve);
    expect([few.result.rootWindow?.closedBecause, many.result.rootWindow?.closedBecause]).toEqual(['deadline', 'deadline']);
    const perPoll = (many.events - few.events) / 40;
    process.stdout.write(`[history] ${few.events} events with a 5-poll window, ${many.events} with 45: ${perPoll} per poll\n`);
    expect(perPoll).toBeLessThanOrEqual(12);
    expect(many.events).toBeLessThanOrEqual(maxHistoryEvents(withPolls(45).policy));
  }, 180_000);
});
