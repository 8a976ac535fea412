/**
 * A closure's days and months at their real defaults, on Temporal's time-skipping test server: the 7-day decision
 * deadline with daily reminders, the 72-hour grace period (and a cancel inside it), the 90-day reopen window with its
 * reminder a week before the end. Activities still run against the sandbox (CloseAccount, quarantine, restore); only
 * timers are skipped. The closure coordinator runs too (started by the first closure's ask).
 */
import { DescribeAccountCommand } from '@aws-sdk/client-organizations';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createActivities } from '../../activities';
import { createAwsClients, type AwsClients } from '../../activities/aws-clients';
import { closureSlotsConfig } from '../../activities/closure-slots';
import { randomDecisionSigner } from '../../client/decision-signer';
import { cancelClosure, decideClosure, describeClosure, startClosure } from '../../client/closure';
import { closureIdForAccount, closureStatusQuery, type ClosureStatus } from '../../contract/closure';
import { HISTORY_EVENT_BUDGET } from '../../contract/policy';
import { maxClosureHistoryEvents } from '../../contract/closure-policy';
import { CLOSURE_POLICY_DEFAULTS, resolveClosurePolicy } from '../../contract/closure-policy-defaults';
import { type Notification } from '../../contract/notifications';
import { SEARCH_ATTRIBUTE_NAMES } from '../../contract/search-attributes';
import { type ClosureStage } from '../../contract/stages';
import { vendingTaskQueues } from '../../contract/task-queues';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { WORKFLOW_BUNDLE_PATH } from '../support/paths';
import { placementOf, prepareClosureOrganization, type ClosureOrganization } from '../support/closure';
import { BOB, CAROL } from '../support/vending';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const signer = randomDecisionSigner();

let testEnv: TestWorkflowEnvironment;
let sandbox: RunningSandbox;
let aws: AwsClients;
let org: ClosureOrganization;
const notifications: Notification[] = [];

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  [testEnv, sandbox] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: process.env.VEND_TEST_TEMPORAL_TEST_SERVER! } },
    }),
    // Closures take no real time here: skipped time must not outrun the sandbox's real clock.
    startSandbox({ motoServerBin: process.env.VEND_TEST_MOTO_SERVER!, settings: { closeAccountDurationMs: 0, throttling: false } }),
  ]);
  await testEnv.connection.operatorService.addSearchAttributes({
    namespace: testEnv.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  aws = createAwsClients({ region: sandbox.region, endpoint: sandbox.endpoint, staticCredentials: sandbox.credentials, memberRoleName: 'OrganizationAccountAccessRole', maxAttempts: 5 });
  org = await prepareClosureOrganization(aws, sandbox);
}, 120_000);
afterAll(async () => {
  aws?.destroy();
  await testEnv?.teardown();
  await sandbox?.stop();
});

async function memberAccount(organizationalUnit = 'Workloads'): Promise<string> {
  const res = await fetch(`${sandbox.endpoint}/sandbox/member-accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count: 1, organizationalUnit }),
  });
  return ((await res.json()) as { accountIds: string[] }).accountIds[0];
}

/** A worker set on a fresh task queue (the closure coordinator included), for the length of `body`. */
async function withWorkers<T>(body: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `ts-closure-${randomUUID()}`;
  const activities = createActivities({
    aws,
    notificationSinks: [{ send: async (n) => void notifications.push(n) }],
    closureSlots: { client: testEnv.client, config: closureSlotsConfig(1) },
  });
  const common = { connection: testEnv.nativeConnection, namespace: testEnv.namespace ?? 'default' };
  const queues = vendingTaskQueues(taskQueue);
  const worker = await Worker.create({ ...common, taskQueue: queues.main, activities, workflowBundle: { code: readFileSync(WORKFLOW_BUNDLE_PATH, 'utf8') } });
  return worker.runUntil(() => body(taskQueue));
}

/** A closure as the API accepts it today: the policy resolved with today's defaults, an operator adopting the account. */
async function start(taskQueue: string, accountId: string, protectedIds = [org.protectedOuId, org.nestedProtectedOuId]) {
  const outcome = await startClosure(testEnv.client, {
    accountId,
    reason: 'decommissioned',
    requester: CAROL.user,
    requesterRoles: CAROL.roles,
    adopted: true,
    quarantine: { organizationalUnitId: org.quarantineOuId, denyAllPolicyId: org.denyAllPolicyId },
    protectedOrganizationalUnitIds: protectedIds,
    policy: {},
    decisionKeys: signer.publicKeys(),
    taskQueue,
  });
  if (!outcome.started) throw new Error('not started');
  return testEnv.client.workflow.getHandle(outcome.id);
}

/** Waits in real time (the test server's clock stands still meanwhile) for the closure to reach a stage. */
async function reach(accountId: string, stage: ClosureStage): Promise<ClosureStatus> {
  const handle = testEnv.client.workflow.getHandle(closureIdForAccount(accountId));
  for (let i = 0; i < 300; i++) {
    const status = await handle.query(closureStatusQuery);
    if (status.stage === stage && (stage !== 'quarantine' || status.quarantine?.quarantinedAt)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`closure of ${accountId} did not reach ${stage}`);
}

async function decide(accountId: string, decision: 'approve' | 'reject') {
  const facts = (await describeClosure(testEnv.client, closureIdForAccount(accountId)))!;
  return decideClosure(testEnv.client, signer, facts, BOB, { decision, reason: `${decision}d on review` });
}

const entered = (status: ClosureStatus, stage: ClosureStage) => Date.parse(status.timeline.find((t) => t.stage === stage)!.enteredAt);

test('no decision in 7 days: six daily reminders to approvers, then needs-attention; the account untouched', async () => {
  const accountId = await memberAccount();
  const before = await placementOf(aws.organizations, accountId);
  const result = await withWorkers(async (taskQueue) => {
    const handle = await start(taskQueue, accountId);
    await reach(accountId, 'awaiting-decision');
    return (await handle.result()) as ClosureStatus;
  });
  expect(result.stage).toBe('needs-attention');
  expect(entered(result, 'needs-attention') - entered(result, 'awaiting-decision')).toBeGreaterThanOrEqual(7 * DAY);
  const reminders = notifications.filter((n) => n.kind === 'decision-reminder' && n.accountId === accountId);
  expect(reminders).toHaveLength(6);
  expect(await placementOf(aws.organizations, accountId)).toEqual(before);
}, 120_000);

test('approved: 72 h in quarantine, CloseAccount, SUSPENDED, a reminder 7 days before the 90-day reopen window ends, closed', async () => {
  const accountId = await memberAccount();
  const result = await withWorkers(async (taskQueue) => {
    const handle = await start(taskQueue, accountId);
    await reach(accountId, 'awaiting-decision');
    await decide(accountId, 'approve');
    const closed = (await handle.result()) as ClosureStatus;
    // The whole path, three months long, stays within the history the policy allows.
    expect((await handle.fetchHistory()).events!.length).toBeLessThanOrEqual(maxClosureHistoryEvents(CLOSURE_POLICY_DEFAULTS));
    return closed;
  });
  expect(result.stage).toBe('closed');
  expect(result.timeline.map((t) => t.stage)).toEqual(['preflight', 'awaiting-decision', 'quarantine', 'closing', 'suspended', 'closed']);
  // The grace period: quarantined for 72 hours before the closure asked for its slot.
  expect(entered(result, 'closing') - Date.parse(result.quarantine!.quarantinedAt!)).toBeGreaterThanOrEqual(72 * HOUR);
  expect(entered(result, 'closing') - Date.parse(result.quarantine!.quarantinedAt!)).toBeLessThan(73 * HOUR);
  // The reopen window: 90 days from SUSPENDED, the reminder 7 days before its end.
  const suspendedAt = Date.parse(result.closure!.suspendedAt!);
  expect(entered(result, 'closed') - suspendedAt).toBeGreaterThanOrEqual(90 * DAY);
  expect(Date.parse(result.closure!.reopenReminderSentAt!) - suspendedAt).toBeGreaterThanOrEqual(83 * DAY);
  expect(Date.parse(result.closure!.reopenReminderSentAt!) - suspendedAt).toBeLessThan(84 * DAY);
  const kinds = notifications.filter((n) => n.accountId === accountId).map((n) => n.kind);
  expect(kinds).toEqual(['decision-needed', 'account-quarantined', 'account-closing', 'account-suspended', 'reopen-window-ending', 'account-closed']);
  const { Account } = await aws.organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
  expect(Account?.State).toBe('SUSPENDED');
  const state = (await (await fetch(`${sandbox.endpoint}/sandbox/state`)).json()) as { accountClosures: { accounts: { accountId: string; state: string }[] } };
  expect(state.accountClosures.accounts.find((a) => a.accountId === accountId)?.state).toBe('SUSPENDED');
}, 180_000);

test('cancel inside the grace period, 24 h in: the account goes back to its OU and loses the quarantine SCP', async () => {
  const accountId = await memberAccount();
  const before = await placementOf(aws.organizations, accountId);
  const result = await withWorkers(async (taskQueue) => {
    const handle = await start(taskQueue, accountId);
    await reach(accountId, 'awaiting-decision');
    await decide(accountId, 'approve');
    await reach(accountId, 'quarantine');
    expect((await placementOf(aws.organizations, accountId)).parentId).toBe(org.quarantineOuId);
    await testEnv.sleep(24 * HOUR);
    const facts = (await describeClosure(testEnv.client, closureIdForAccount(accountId)))!;
    await cancelClosure(testEnv.client, signer, facts, CAROL, 'the team still needs it');
    return (await handle.result()) as ClosureStatus;
  });
  expect(result.stage).toBe('cancelled');
  expect(result.cancellation).toMatchObject({ cancelledBy: CAROL.user, stage: 'quarantine' });
  const cancelledAfter = Date.parse(result.cancellation!.cancelledAt) - Date.parse(result.quarantine!.quarantinedAt!);
  expect(cancelledAfter).toBeGreaterThanOrEqual(24 * HOUR);
  expect(cancelledAfter).toBeLessThan(72 * HOUR);
  expect(await placementOf(aws.organizations, accountId)).toEqual(before);
  expect(result.timeline.map((t) => t.stage)).not.toContain('closing');
}, 120_000);

test('reject: the closure ends rejected, the account untouched', async () => {
  const accountId = await memberAccount();
  const before = await placementOf(aws.organizations, accountId);
  const result = await withWorkers(async (taskQueue) => {
    const handle = await start(taskQueue, accountId);
    await reach(accountId, 'awaiting-decision');
    await decide(accountId, 'reject');
    return (await handle.result()) as ClosureStatus;
  });
  expect(result.stage).toBe('rejected');
  expect(await placementOf(aws.organizations, accountId)).toEqual(before);
}, 120_000);

test('preflight against AWS: the management account and an account in a protected OU fail before anything is touched', async () => {
  const inProtected = await memberAccount(org.nestedProtectedOuId);
  const before = await placementOf(aws.organizations, inProtected);
  const outcomes = await withWorkers(async (taskQueue) => {
    const ended = [];
    for (const accountId of [sandbox.organization.managementAccountId, inProtected]) {
      const handle = await start(taskQueue, accountId);
      // In real time (the test server's clock stands still): a running activity must not see skipped time.
      await reach(accountId, 'failed');
      const failure = await handle.result().then(
        () => undefined,
        (err: Error) => err,
      );
      ended.push({ failure, status: await handle.query(closureStatusQuery) });
    }
    return ended;
  });
  for (const { failure, status } of outcomes) {
    expect(failure).toBeDefined();
    expect(status).toMatchObject({ stage: 'failed', failure: { type: 'ClosureRefused' } });
    expect(status.quarantine).toBeUndefined();
  }
  expect(outcomes[0].status.failure!.message).toMatch(/management account/);
  expect(outcomes[1].status.failure!.message).toMatch(/protected OU/);
  expect(await placementOf(aws.organizations, inProtected)).toEqual(before);
}, 120_000);

describe('history stays within the policy estimate', () => {
  test('the longest closure at today\'s defaults writes fewer events than its estimate', async () => {
    const accountId = await memberAccount();
    const events = await withWorkers(async (taskQueue) => {
      const handle = await start(taskQueue, accountId);
      await reach(accountId, 'awaiting-decision');
      await (handle.result() as Promise<ClosureStatus>);
      return (await handle.fetchHistory()).events!.length;
    });
    process.stdout.write(`[history] a closure that waited out its decision deadline: ${events} events (estimate ${maxClosureHistoryEvents(CLOSURE_POLICY_DEFAULTS)})\n`);
    expect(events).toBeLessThanOrEqual(maxClosureHistoryEvents(CLOSURE_POLICY_DEFAULTS));
  }, 120_000);

  test('every closure policy that can be accepted stays under the budget; the rest are refused, the field named', () => {
    const duration = (max: number) => fc.integer({ min: 1, max });
    fc.assert(
      fc.property(
        fc.record({
          decisionDeadlineMs: duration(31 * DAY),
          decisionReminderIntervalMs: duration(31 * DAY),
          slotWaitMs: duration(2 * DAY),
          slotDeadlineMs: duration(63 * DAY),
          gracePeriodMs: duration(31 * DAY),
          reopenWindowMs: duration(91 * DAY),
          reopenReminderBeforeMs: duration(31 * DAY),
        }),
        (overrides) => {
          let policy;
          try {
            policy = resolveClosurePolicy(overrides);
          } catch (err) {
            expect((err as { issues: { path: unknown[] }[] }).issues[0].path.length).toBeGreaterThan(0);
            return;
          }
          expect(maxClosureHistoryEvents(policy)).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET);
          expect(policy.reopenReminderBeforeMs).toBeLessThan(policy.reopenWindowMs);
        },
      ),
      { numRuns: 2_000 },
    );
    expect(() => resolveClosurePolicy({ reopenWindowMs: 120 * DAY })).toThrow(/reopenWindowMs/);
  });
});
