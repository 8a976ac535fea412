/**
 * After a program: faults off, a worker running, every request of the program ended (on its own short deadlines, or
 * cancelled by an operator), one guardian period for the root-window guardian; then the facts the invariants read.
 */
import {
  CLOSE_ABANDONED_WINDOW_WORKFLOW_TYPE,
  GUARDIAN_WORKFLOW_TYPE,
  REAUDIT_ALARM_WORKFLOW_TYPE,
  REPORT_ORPHAN_WORKFLOW_TYPE,
} from '../../contract/guardian';
import { ListParentsCommand } from '@aws-sdk/client-organizations';
import { CLOSURE_WORKFLOW_TYPE } from '../../contract/closure';
import { ClosureStageKey, VendingStageKey } from '../../contract/search-attributes';
import { VENDING_WORKFLOW_TYPE } from '../../contract/vending';
import { clearFaults, sleep, type ProgramContext } from './actions';
import { type ClosureView, type Facts, type RequestView, type SandboxAccount } from './invariants';
import { OBSERVER, SETTLING_OPERATOR } from './principals';

export type SettleMode = 'deadlines' | 'cancel';

const POLL_MS = 250;
/** After the operators' cancellation, how long a request may take to close its window and end. */
const AFTER_CANCEL_MS = 20_000;
/** How long the program's requests may take to end or park (wait for a person) once faults are off. */
const PARK_TIMEOUT_MS = 30_000;

/** Every workflow id of the program: accepted by the API, or started on the task queue since the program began. */
/**
 * Requests and closures of earlier programs: never this program's, though visibility may list one as started since
 * it began (an operator's Reset of a closed request starts a new run, and a run revived at the very end of a program
 * starts inside the next one's slack).
 */
const earlierPrograms = new Set<string>();

/** Marks a program's ids as done with: no later program claims them. */
export function retireProgramIds(ids: Iterable<string>): void {
  for (const id of ids) earlierPrograms.add(id);
}

/** The workflows of a type started on the program's task queue since it began (a second of slack), earlier programs' aside. */
async function startedSince(ctx: ProgramContext, workflowType: string, startedAt: number): Promise<string[]> {
  const since = new Date(startedAt - 1_000).toISOString();
  const query = `WorkflowType="${workflowType}" AND TaskQueue="${ctx.stack.taskQueue}" AND StartTime >= "${since}"`;
  const started = new Set<string>();
  for await (const wf of ctx.stack.temporal.workflow.list({ query, pageSize: 200 })) if (!earlierPrograms.has(wf.workflowId)) started.add(wf.workflowId);
  return [...started];
}

export async function programRequestIds(ctx: ProgramContext, startedAt: number, accepted: string[]): Promise<{ all: string[]; started: string[] }> {
  const started = await startedSince(ctx, VENDING_WORKFLOW_TYPE, startedAt);
  return { all: [...new Set([...accepted, ...started])], started };
}

/** Every closure id of the program: accepted by the API, or started on the task queue since the program began. */
export async function programClosureIds(ctx: ProgramContext, startedAt: number, accepted: string[]): Promise<string[]> {
  return [...new Set([...accepted, ...(await startedSince(ctx, CLOSURE_WORKFLOW_TYPE, startedAt))])];
}

type RunState = { id: string; running: boolean; stage?: string };

async function states(ctx: ProgramContext, ids: string[]): Promise<RunState[]> {
  return Promise.all(
    ids.map(async (id) => {
      try {
        const d = await ctx.stack.temporal.workflow.getHandle(id).describe();
        const stage = d.typedSearchAttributes.get(VendingStageKey) ?? d.typedSearchAttributes.get(ClosureStageKey);
        return { id, running: d.status.name === 'RUNNING', stage };
      } catch {
        return { id, running: false };
      }
    }),
  );
}

const PARKED = ['awaiting-decision', 'root-window-open'];

/** Waits until every request satisfies `done` or the time is up; returns the ids still running. */
async function waitUntil(ctx: ProgramContext, ids: string[], done: (s: RunState) => boolean, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await states(ctx, ids);
    if (now.every(done) || Date.now() > deadline) return now.filter((s) => s.running).map((s) => s.id);
    await sleep(POLL_MS);
  }
}

/** Drives the program's requests to an end; returns the ones that would not end. */
export async function settle(ctx: ProgramContext, ids: string[], mode: SettleMode): Promise<string[]> {
  const { stack, journal } = ctx;
  journal.note('settle', `faults cleared: ${(await clearFaults(stack)).status}`);
  await stack.worker.ensureRunning();
  const policy = stack.policy;
  const ended = (s: RunState) => !s.running;
  const cancel = (which: string[]) =>
    Promise.all(which.map((id) => journal.call('settle', 'POST', `/v1/account-requests/${id}/cancel`, { user: SETTLING_OPERATOR })));
  // Closed or parked (waiting for a person): nothing is left half-done in AWS when an operator cancels.
  let left = await waitUntil(ctx, ids, (s) => !s.running || PARKED.includes(s.stage ?? ''), PARK_TIMEOUT_MS);
  if (mode === 'cancel') await cancel(left);
  // Parked requests end on their own otherwise: the decision deadline, then at most a root window's (and a baseline
  // step's wait for an operator).
  const ownDeadlines = (policy.decisionDeadlineMs ?? 0) + (policy.rootWindowDeadlineMs ?? 0) + (stack.baselinePolicy.attentionDeadlineMs ?? 0) + 10_000;
  left = await waitUntil(ctx, left, ended, mode === 'cancel' ? AFTER_CANCEL_MS : ownDeadlines);
  if (left.length > 0) {
    await cancel(left);
    left = await waitUntil(ctx, left, ended, AFTER_CANCEL_MS);
  }
  // A Reset sent at the program's end may have revived a request that had ended (a new run): it is settled too.
  const revived = (await states(ctx, ids)).filter((s) => s.running && !left.includes(s.id)).map((s) => s.id);
  if (revived.length > 0) {
    journal.note('settle', `running again after ending (reset): ${revived.join(', ')}`);
    await waitUntil(ctx, revived, (s) => !s.running || PARKED.includes(s.stage ?? ''), PARK_TIMEOUT_MS);
    await cancel(revived);
    left = [...left, ...(await waitUntil(ctx, revived, ended, AFTER_CANCEL_MS))];
  }
  return left;
}

/**
 * How long closures may take to end once the vending requests have: a decision deadline, the grace period, a slot,
 * CloseAccount to SUSPENDED and the reopen window are each seconds under the chaos closure policy.
 */
const CLOSURES_END_MS = 60_000;

/** Drives the program's closures to an end (a parked one waits for its decision deadline, or an operator cancels it). */
export async function settleClosures(ctx: ProgramContext, ids: string[], mode: SettleMode): Promise<string[]> {
  if (ids.length === 0) return [];
  const ended = (s: RunState) => !s.running;
  if (mode === 'cancel') {
    const waiting = (await states(ctx, ids)).filter((s) => s.running && s.stage === 'awaiting-decision').map((s) => s.id);
    await Promise.all(
      waiting.map((id) => ctx.journal.call('settle', 'POST', `/v1/closure-requests/${id}/cancel`, { user: SETTLING_OPERATOR, body: { reason: 'chaos: settling' } })),
    );
  }
  return waitUntil(ctx, ids, ended, CLOSURES_END_MS);
}

/** Ample for a pass and its cleanups on a loaded machine; a pass that takes longer is itself reported (`settles`). */
const GUARDIAN_WAIT_MS = 180_000;

/**
 * Waits for a whole root-window guardian pass that began after everything ended, and the cleanups it started: the
 * guardian closes the windows of runs that ended without closing them. (A fixed period was too short on a loaded
 * machine: the pass and its cleanup runs take seconds there; the promise is that they happen.) Returns why the wait
 * gave up, if it did: the invariants would then be checked before the guardian could act, so it fails the program.
 */
export async function guardianPassSince(ctx: ProgramContext, since: Date): Promise<string | undefined> {
  const { stack, journal } = ctx;
  const onQueue = `TaskQueue="${stack.taskQueue}"`;
  const passes = `WorkflowType="${GUARDIAN_WORKFLOW_TYPE}" AND ${onQueue} AND StartTime > "${since.toISOString()}" AND ExecutionStatus="Completed"`;
  const cleanups = `WorkflowType IN ("${CLOSE_ABANDONED_WINDOW_WORKFLOW_TYPE}", "${REPORT_ORPHAN_WORKFLOW_TYPE}", "${REAUDIT_ALARM_WORKFLOW_TYPE}") AND ${onQueue} AND ExecutionStatus="Running"`;
  const deadline = Date.now() + GUARDIAN_WAIT_MS;
  while (Date.now() < deadline) {
    const [done, running] = await Promise.all([stack.temporal.workflow.count(passes), stack.temporal.workflow.count(cleanups)]);
    if (done.count > 0 && running.count === 0) return undefined;
    await sleep(POLL_MS);
  }
  const why = `no complete guardian pass (with its cleanups) within ${GUARDIAN_WAIT_MS} ms of the end`;
  journal.note('settle', why);
  return why;
}

/** What the system reports once the program has settled. */
export async function observe(
  ctx: ProgramContext,
  startedAt: number,
  accepted: string[],
  unsettled: string[],
  closureIds: string[],
  unsettledClosures: string[],
  guardianWait: string | undefined,
): Promise<Facts> {
  const { stack, journal } = ctx;
  // Listed again after settling: visibility may have been behind on a start made just before the program ended.
  const { all: ids, started } = await programRequestIds(ctx, startedAt, accepted);
  const requests = await Promise.all(
    ids.map(async (id) => {
      const res = await journal.call('observe', 'GET', `/v1/account-requests/${id}`, { user: OBSERVER });
      return { id, view: res.status === 200 ? (res.body as RequestView) : undefined };
    }),
  );
  const state = await stack.sandboxControl('GET', '/state');
  if (state.status !== 200) throw new Error(`GET /sandbox/state answered ${state.status}`);
  const all = state.body.accounts as SandboxAccount[];
  const programAccounts = all.filter((a) => a.email.toLowerCase().startsWith(`${ctx.prefix}-`));
  const closures = await Promise.all(
    closureIds.map(async (id) => {
      const res = await journal.call('observe', 'GET', `/v1/closure-requests/${id}`, { user: OBSERVER });
      return { id, view: res.status === 200 ? (res.body as ClosureView) : undefined };
    }),
  );
  // The accounts a closure could have touched: the program's, and the two no closure may touch.
  const watched = new Set([...programAccounts.map((a) => a.accountId), stack.managementAccountId, stack.protectedAccountId]);
  const closedInAws = (state.body.accountClosures.accounts as { accountId: string; state: string }[]).filter((a) => watched.has(a.accountId));
  const parents = new Map<string, string>();
  for (const accountId of new Set([...ctx.placementsBefore.keys(), stack.protectedAccountId])) {
    const parent = await stack.organizations.send(new ListParentsCommand({ ChildId: accountId })).then(
      (r) => r.Parents?.[0]?.Id,
      () => undefined,
    );
    if (parent) parents.set(accountId, parent);
  }
  const programIds = new Set(programAccounts.map((a) => a.accountId));
  const counts = state.body.baseline.assignmentCreations as Record<string, number>;
  return {
    requests,
    accounts: all.filter((a) => a.email.toLowerCase().startsWith(`${ctx.prefix}-`)),
    allAccountIds: all.map((a) => a.accountId),
    notifications: stack.inbox.received.filter((n) => (n.requestId !== undefined && ids.includes(n.requestId)) || all.some((a) => a.accountId === n.accountId && a.email.toLowerCase().startsWith(`${ctx.prefix}-`))),
    startedWorkflowIds: started,
    exchanges: journal.exchanges,
    windowSeen: [...ctx.windowSeen],
    plants: ctx.plants,
    resets: ctx.resets,
    unsettled,
    closures,
    unsettledClosures,
    guardianWait,
    badInputAccepted: ctx.badInputAccepted,
    accountClosures: closedInAws,
    placementsBefore: Object.fromEntries(ctx.placementsBefore),
    parents: Object.fromEntries(parents),
    closureAccounts: Object.fromEntries(ctx.closureAccounts),
    managementAccountId: stack.managementAccountId,
    protectedAccountIds: [stack.protectedAccountId],
    quarantineOuId: stack.quarantineOuId,
    assignmentCreations: Object.fromEntries(Object.entries(counts).filter(([key]) => programIds.has(key.split('|')[0]))),
    workerCrashes: stack.worker.crashes.filter((c) => c.at >= startedAt),
  };
}

/** Stops what would not end, so that the next program starts clean (after its facts were taken). */
export async function cleanUp(ctx: ProgramContext, unsettled: string[]): Promise<void> {
  await Promise.all(unsettled.map((id) => ctx.stack.temporal.workflow.getHandle(id).terminate('chaos: did not settle').catch(() => undefined)));
}
