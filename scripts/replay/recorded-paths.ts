/**
 * The paths recorded for every release: each drives real runs (the release's worker, the dev server, the sandbox)
 * to one intended end and names the runs to export. A path that ends elsewhere stops the recording: a fixture must
 * be the history it claims to be. Paths run one after another, so each may set the sandbox's org-wide switches.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  acquireCreationSlotSignal,
  CREATION_SLOTS_WORKFLOW_TYPE,
  creationSlotsWorkflowId,
  releaseCreationSlotSignal,
  type CreationSlotsConfig,
} from '../../contract/creation-slots';
import { confirmRemediationUpdate, decideUpdate, type DecisionInput, type VendingStatus } from '../../contract/vending';
import { BASELINE_PATHS } from './baseline-paths';
import { type Checkout } from './checkout';
import { CLOSURE_PATHS } from './closure-paths';
import {
  describeOutcome,
  expectThat,
  finalStatus,
  sandboxControl,
  startRequest,
  waitForOpenRootWindow,
  waitForStage,
  waitUntil,
  type RecordedRun,
  type RecordingContext,
  type RecordingPath,
} from './recording-context';

const APPROVE: DecisionInput = { decision: 'approve-remediation', reason: 'billing access is off; fix it', decidedBy: 'bob', roles: ['approver'] };

/** Forced CreateAccount outcomes by email (sandbox forcedCreateFailures), set once per recording. */
export const FORCED_CREATE_FAILURES = [
  { emailPattern: '^creation-retried@', reason: 'INTERNAL_FAILURE', times: 1 },
  { emailPattern: '^email-already-exists@', reason: 'EMAIL_ALREADY_EXISTS', times: 1 },
];

async function linkedAccountAccess(ctx: RecordingContext, enabled: boolean): Promise<void> {
  await sandboxControl(ctx, 'POST', '/linked-account-access', { enabled });
}

async function run(handle: WorkflowHandle, file: string, status: VendingStatus): Promise<RecordedRun> {
  const { runId } = await handle.describe();
  return { file, workflowId: handle.workflowId, runId, outcome: describeOutcome(status) };
}

/** Waits for the request to close however it closes (a failure is a result here), then reads its last status. */
async function settle(handle: WorkflowHandle): Promise<{ status: VendingStatus; failed: boolean }> {
  let failed = false;
  try {
    await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    failed = true;
  }
  return { status: await finalStatus(handle), failed };
}

/** Up to the decision with the org's linked-account access off (verdict `off`). */
async function toDecision(ctx: RecordingContext, email: string, policy: Parameters<typeof startRequest>[1]['policy'] = {}) {
  await linkedAccountAccess(ctx, false);
  const handle = await startRequest(ctx, { email, policy });
  const waiting = await waitForStage(handle, 'awaiting-decision');
  expectThat(waiting.billingAccess?.verdict === 'off', 'verdict off', waiting);
  expectThat(Boolean(waiting.accountId), 'an account id at awaiting-decision', waiting);
  return { handle, accountId: waiting.accountId as string };
}

const noCoordinator = (c: Checkout) => (c.hasCoordinatorWorkflow ? undefined : 'no creation-slot coordinator before df76f6b');

export const RECORDED_PATHS: RecordingPath[] = [
  {
    name: 'defaulted-on',
    async record(ctx) {
      await linkedAccountAccess(ctx, true);
      const handle = await startRequest(ctx, { email: 'defaulted-on@example.com' });
      const { status } = await settle(handle);
      expectThat(status.stage === 'completed' && status.billingAccess?.verdict === 'defaulted-on', 'completed, defaulted-on', status);
      return [await run(handle, 'defaulted-on.json', status)];
    },
  },
  {
    name: 'off-approve-cloudtrail',
    async record(ctx) {
      const { handle, accountId } = await toDecision(ctx, 'off-approve-cloudtrail@example.com');
      await handle.executeUpdate(decideUpdate, { args: [APPROVE] });
      await waitForOpenRootWindow(ctx, handle, accountId);
      // The human's root console step; the workflow finds SetIAMAccessPreference in CloudTrail.
      await sandboxControl(ctx, 'POST', `/accounts/${accountId}/root-console/billing-access`, { enabled: true });
      const { status } = await settle(handle);
      expectThat(status.stage === 'completed' && status.rootWindow?.closedBecause === 'cloudtrail-evidence', 'completed by CloudTrail evidence', status);
      return [await run(handle, 'off-approve-cloudtrail.json', status)];
    },
  },
  {
    name: 'off-approve-confirm',
    async record(ctx) {
      const { handle, accountId } = await toDecision(ctx, 'off-approve-confirm@example.com');
      await handle.executeUpdate(decideUpdate, { args: [APPROVE] });
      await waitForOpenRootWindow(ctx, handle, accountId);
      // With roles: the current code refuses a confirmation by someone who holds neither approver nor operator (36e904b);
      // earlier releases' schemas strip the unknown field.
      await handle.executeUpdate(confirmRemediationUpdate, { args: [{ confirmedBy: 'bob', note: 'switched on in the console', roles: ['approver'] }] });
      const { status } = await settle(handle);
      expectThat(status.stage === 'completed' && status.rootWindow?.closedBecause === 'confirmed', 'completed by confirmation', status);
      return [await run(handle, 'off-approve-confirm.json', status)];
    },
  },
  {
    name: 'attest',
    async record(ctx) {
      const { handle } = await toDecision(ctx, 'attest@example.com');
      await handle.executeUpdate(decideUpdate, { args: [{ ...APPROVE, decision: 'attest-enabled', reason: 'checked in the console' }] });
      const { status } = await settle(handle);
      expectThat(status.stage === 'completed' && !status.rootWindow, 'completed without a root window', status);
      return [await run(handle, 'attest.json', status)];
    },
  },
  {
    name: 'reject',
    async record(ctx) {
      const { handle } = await toDecision(ctx, 'reject@example.com');
      await handle.executeUpdate(decideUpdate, { args: [{ ...APPROVE, decision: 'reject', reason: 'not needed' }] });
      const { status } = await settle(handle);
      expectThat(status.stage === 'rejected', 'rejected', status);
      return [await run(handle, 'reject.json', status)];
    },
  },
  {
    name: 'decision-deadline',
    async record(ctx) {
      // Two reminders, then the deadline.
      const { handle } = await toDecision(ctx, 'decision-deadline@example.com', { decisionDeadlineMs: 2_500, decisionReminderIntervalMs: 1_000 });
      const { status } = await settle(handle);
      expectThat(status.stage === 'needs-attention', 'needs-attention at the decision deadline', status);
      return [await run(handle, 'decision-deadline.json', status)];
    },
  },
  {
    name: 'root-window-deadline',
    async record(ctx) {
      const { handle } = await toDecision(ctx, 'root-window-deadline@example.com', { rootWindowDeadlineMs: 2_000 });
      await handle.executeUpdate(decideUpdate, { args: [APPROVE] });
      const { status } = await settle(handle);
      expectThat(status.stage === 'needs-attention' && status.rootWindow?.closedBecause === 'deadline', 'needs-attention, window closed at its deadline', status);
      return [await run(handle, 'root-window-deadline.json', status)];
    },
  },
  {
    name: 'root-window-cancel',
    async record(ctx) {
      const { handle, accountId } = await toDecision(ctx, 'root-window-cancel@example.com');
      await handle.executeUpdate(decideUpdate, { args: [APPROVE] });
      await waitForOpenRootWindow(ctx, handle, accountId);
      await handle.cancel();
      const { status, failed } = await settle(handle);
      expectThat(failed && status.stage === 'cancelled' && status.rootWindow?.closedBecause === 'cancelled', 'cancelled, window closed', status);
      return [await run(handle, 'root-window-cancel.json', status)];
    },
  },
  {
    name: 'creation-retried',
    async record(ctx) {
      await linkedAccountAccess(ctx, true);
      const handle = await startRequest(ctx, { email: 'creation-retried@example.com' });
      const { status } = await settle(handle);
      expectThat(status.stage === 'completed', 'completed', status);
      expectThat(status.timeline.some((t) => t.stage === 'creating' && t.note?.startsWith('INTERNAL_FAILURE')), 'one INTERNAL_FAILURE retried', status);
      return [await run(handle, 'creation-retried.json', status)];
    },
  },
  {
    name: 'email-already-exists',
    async record(ctx) {
      await linkedAccountAccess(ctx, true);
      const handle = await startRequest(ctx, { email: 'email-already-exists@example.com' });
      // Whatever the release does with it; every release so far ends the request as failed.
      const { status } = await settle(handle);
      expectThat(['failed', 'completed', 'needs-attention'].includes(status.stage), 'a closed request', status);
      return [await run(handle, 'email-already-exists.json', status)];
    },
  },
  {
    name: 'no-search-attributes',
    async record(ctx) {
      await linkedAccountAccess(ctx, true);
      const handle = await startRequest(ctx, { email: 'no-search-attributes@example.com', searchAttributes: 'none' });
      const { status } = await settle(handle);
      expectThat(status.stage === 'completed', 'completed', status);
      return [await run(handle, 'no-search-attributes.json', status)];
    },
  },
  {
    // Until c4d19f0 the workflow upserted AccountEmail and Requester when either was missing; since, only a missing
    // Requester makes it upsert. This start has Requester and lacks AccountEmail: the one case where that differs.
    name: 'requester-search-attribute-only',
    async record(ctx) {
      await linkedAccountAccess(ctx, true);
      const handle = await startRequest(ctx, { email: 'requester-search-attribute-only@example.com', searchAttributes: 'requester-only' });
      const { status } = await settle(handle);
      expectThat(status.stage === 'completed', 'completed', status);
      return [await run(handle, 'requester-search-attribute-only.json', status)];
    },
  },
  {
    // Free text as every release so far accepted it, with a zero-width space, a line separator and a right-to-left
    // override. The workflow parses its input and each decision with the contract's schemas again on replay, so a
    // schema that starts refusing such characters (contract/text.ts) must not reach these requests.
    name: 'free-text-format-characters',
    async record(ctx) {
      await linkedAccountAccess(ctx, false);
      const handle = await startRequest(ctx, {
        email: 'free-text-format-characters@example.com',
        request: { justification: 'team\u200Ba sandbox', tags: { team: 'a\u2028b' } },
      });
      const waiting = await waitForStage(handle, 'awaiting-decision');
      expectThat(waiting.billingAccess?.verdict === 'off', 'verdict off', waiting);
      await handle.executeUpdate(decideUpdate, { args: [{ ...APPROVE, decision: 'attest-enabled', reason: 'checked \u202Ein the console' }] });
      const { status } = await settle(handle);
      expectThat(status.stage === 'completed', 'completed', status);
      return [await run(handle, 'free-text-format-characters.json', status)];
    },
  },
  // Account closure (scripts/replay/closure-paths.ts), for releases that have it.
  ...CLOSURE_PATHS,
  // The day-1 baseline (releases that have it): every step, a retry, a skip, the region coordinator.
  ...BASELINE_PATHS,
  {
    name: 'creation-slots-continue-as-new',
    unavailable: noCoordinator,
    record: recordCoordinatorContinueAsNew,
  },
  {
    // Last: the coordinator that served the vending paths above, exported as it stands (it idles for 10 minutes).
    name: 'creation-slots-served',
    unavailable: (c) =>
      noCoordinator(c) ?? (c.workerUsesCoordinator ? undefined : "this release's worker process does not use the coordinator (wired in from 4f2e390)"),
    async record(ctx) {
      const handle = ctx.client.workflow.getHandle(creationSlotsWorkflowId(ctx.taskQueue));
      const description = await handle.describe().catch(() => undefined);
      if (!description) throw new Error('no coordinator ran: record creation-slots-served together with a vending path');
      return [
        { file: 'creation-slots-served.json', workflowId: handle.workflowId, runId: description.runId, outcome: `${description.status.name} (exported while idling)` },
      ];
    },
  },
];

/**
 * The coordinator through one continue-as-new, driven by signals alone (as vending workflows send them) under its own
 * id: asks and releases for request ids that have no workflow, so each grant it tries fails as it does for a request
 * that ended while waiting. Signals go in rounds until the first run continues as new (its threshold:
 * continueAsNewSuggested or 5,000 events, workflows/creation-slots.ts); a short idle time then ends the second run.
 */
async function recordCoordinatorContinueAsNew(ctx: RecordingContext): Promise<RecordedRun[]> {
  const workflowId = `${creationSlotsWorkflowId(ctx.taskQueue)}.replay-continue-as-new`;
  const config: CreationSlotsConfig = { maxInFlight: 5, createsPerSecond: 50, burst: 3, leaseMs: 60_000, idleMs: 2_000 };
  let next = 0;
  const ask = async (requestId: string) => ctx.client.workflow.getHandle(workflowId).signal(acquireCreationSlotSignal, { requestId });
  const release = async (requestId: string) => ctx.client.workflow.getHandle(workflowId).signal(releaseCreationSlotSignal, { requestId });
  const inParallel = async (ids: string[], send: (id: string) => Promise<void>) => {
    for (let i = 0; i < ids.length; i += 20) await Promise.all(ids.slice(i, i + 20).map(send));
  };
  const round = async (size: number) => {
    const ids = Array.from({ length: size }, () => `replay-request-${next++}`);
    await inParallel(ids, ask);
    await inParallel(ids, release);
  };

  const first = await ctx.client.workflow.signalWithStart(CREATION_SLOTS_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: ctx.taskQueue,
    args: [config],
    signal: acquireCreationSlotSignal,
    signalArgs: [{ requestId: `replay-request-${next++}` }],
  });
  const firstRun = ctx.client.workflow.getHandle(workflowId, first.signaledRunId);
  for (let rounds = 0; (await firstRun.describe()).status.name === 'RUNNING'; rounds++) {
    if (rounds >= 200) throw new Error(`the coordinator did not continue as new after ${next} asks`);
    await round(25);
  }
  const firstEnd = await firstRun.describe();
  expectThat(firstEnd.status.name === 'CONTINUED_AS_NEW', `the first run to continue as new, not ${firstEnd.status.name}`);

  // The second run starts from the carried state; a few more asks and releases, then nobody: it ends when idle.
  await round(10);
  await release('replay-request-0');
  const latest = ctx.client.workflow.getHandle(workflowId);
  const secondEnd = await waitUntil('the second run to end idle', async () => {
    const d = await latest.describe();
    return d.status.name === 'RUNNING' ? undefined : d;
  });
  expectThat(secondEnd.status.name === 'COMPLETED', `the second run to complete when idle, not ${secondEnd.status.name}`);
  expectThat(secondEnd.runId !== first.signaledRunId, 'a second run');
  return [
    { file: 'creation-slots-continue-as-new.json', workflowId, runId: first.signaledRunId, outcome: `CONTINUED_AS_NEW after ${firstEnd.historyLength} events` },
    { file: 'creation-slots-after-continue-as-new.json', workflowId, runId: secondEnd.runId, outcome: 'COMPLETED when idle' },
  ];
}
