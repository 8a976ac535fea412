/**
 * What a chaos program can do, as plain data (so fast-check generates, prints and shrinks it), and how each action
 * is carried out against the real stack. Targeted actions name a request by its index among the requests the API
 * accepted so far; an index is taken modulo their number, so a shrunk program still points somewhere.
 */
import { temporal } from '@temporalio/proto';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { type ChaosStack } from './stack';
import { type Exchange, type Journal } from './journal';
import { OBSERVER, USERS, type User } from './principals';
import { FULL_BLUEPRINT, MINIMAL_BLUEPRINT } from './blueprints';
import { closureActionArb, describeClosureAction, isClosureAction, runClosureAction, type ClosureAction } from './closure-actions';

export const DECISIONS = ['approve-remediation', 'attest-enabled', 'reject'] as const;
export type DecisionKind = (typeof DECISIONS)[number];

/**
 * Valid bodies of several shapes, and hostile ones that must be refused before anything starts: each variant with
 * what the API must do with it (`refused`: 400, 413 or 422; `valid` bodies may still meet other refusals, such as an
 * email already requested; `either`: not judged). The order is the generator's: a seed replays only with it.
 */
const BODIES = {
  plain: 'valid',
  'sandbox-ou': 'valid',
  tagged: 'valid',
  'blueprint-day-one': 'valid',
  'blueprint-minimal': 'valid',
  'upper-case-email': 'valid',
  'name-of-email-0': 'valid',
  'unknown-ou': 'refused',
  'unknown-blueprint': 'refused',
  'unicode-email': 'either',
  'missing-email': 'refused',
  'bad-email': 'refused',
  'extra-field': 'refused',
  'long-name': 'refused',
  'control-chars': 'refused',
  'aws-tag': 'refused',
  'smuggled-requester': 'refused',
  'not-json': 'refused',
  array: 'refused',
  huge: 'refused',
} as const satisfies Record<string, 'valid' | 'refused' | 'either'>;
export type BodyVariant = keyof typeof BODIES;
export const BODY_VARIANTS = Object.keys(BODIES) as BodyVariant[];
/** The bodies the API must refuse: none of them may start anything. */
export const BAD_BODIES: ReadonlySet<BodyVariant> = new Set(BODY_VARIANTS.filter((v) => BODIES[v] === 'refused'));

/** Before acting, wait (bounded) until the target request is at this point, or has ended. */
export const WHEN = ['now', 'creating', 'account', 'awaiting-decision', 'window-open', 'near-deadline'] as const;
export type When = (typeof WHEN)[number];

/** Operations faults are injected into: every stage's AWS calls, the root window's included. */
export const FAULT_OPERATIONS = [
  'CreateAccount',
  'DescribeCreateAccountStatus',
  'ListAccounts',
  'ListCreateAccountStatus',
  'ListTagsForResource',
  'MoveAccount',
  'TagResource',
  'DescribeAccount',
  'AssumeRole',
  'AssumeRoot',
  'GetCostAndUsage',
  'LookupEvents',
  'CreateLoginProfile',
  'DeleteLoginProfile',
  'DeleteAccessKey',
  'ListAccessKeys',
  'GetAccountSummary',
] as const;

export type Action =
  | { kind: 'submit'; user: User | 'anonymous' | 'forged'; email: number; key?: number; body: BodyVariant; delayMs: number }
  | { kind: 'decide'; target: number; when: When; votes: { user: User; decision: DecisionKind }[]; delayMs: number }
  | { kind: 'confirm'; target: number; when: When; user: User; delayMs: number }
  | { kind: 'cancel'; target: number; when: When; user: User; delayMs: number }
  | { kind: 'terminate'; target: number; when: When; delayMs: number }
  | { kind: 'reset'; target: number; when: When; pick: number; delayMs: number }
  | { kind: 'kill-worker'; downMs: number; delayMs: number }
  | { kind: 'faults'; throttleRate: number; errorRate: number; responseDelayMs: number; operations: string[]; delayMs: number }
  | { kind: 'clear-faults'; delayMs: number }
  | { kind: 'linked-access'; enabled: boolean; delayMs: number }
  | { kind: 'deny-deletion'; target: number; when: When; delayMs: number }
  | { kind: 'plant-credentials'; target: number; when: When; mfaDevices: number; accessKeys: number; delayMs: number }
  | { kind: 'root-console'; target: number; when: When; enabled: boolean; delayMs: number }
  | { kind: 'wait'; ms: number; delayMs: number }
  /**
   * A person's whole remediation, so that programs reach the root window often: wait for the decision, approve,
   * wait for the window, then one of the things that can happen inside it.
   */
  | { kind: 'remediate'; target: number; approver: User; inside: InsideWindow; by: User; delayMs: number }
  /** Account closures (closure-actions.ts). */
  | ClosureAction;

export type ActionKind = Action['kind'];

/** What happens once a remediation's root window is open. */
export const INSIDE_WINDOW = ['confirm', 'console', 'console-then-confirm', 'cancel', 'terminate', 'kill-worker', 'deny-deletion', 'nothing'] as const;
export type InsideWindow = (typeof INSIDE_WINDOW)[number];

export function isTargeted(action: Action): action is Extract<Action, { target: number }> {
  return 'target' in action;
}

// ---- arbitraries ---------------------------------------------------------------------------------------------------

const delay = fc.constantFrom(0, 100, 300);
const target = fc.nat({ max: 7 });
const user = fc.constantFrom(...USERS);
const requester = fc.constantFrom<User>('alice', 'dave', 'carol');
const approver = fc.constantFrom<User>('bob', 'erin', 'carol');

/** Well-formed bodies; some name a blueprint (a day-1 baseline runs). */
const validBody = fc.constantFrom<BodyVariant>('plain', 'sandbox-ou', 'tagged', 'blueprint-day-one', 'blueprint-minimal');

/** A request that should be accepted: a requester, a well-formed body. */
export const validSubmitArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('submit' as const),
  user: requester,
  email: fc.nat({ max: 5 }),
  key: fc.option(fc.nat({ max: 2 }), { nil: undefined }),
  body: validBody,
  delayMs: delay,
});

export const submitArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('submit' as const),
  user: fc.oneof(
    { weight: 8, arbitrary: requester },
    { weight: 2, arbitrary: user },
    { weight: 1, arbitrary: fc.constantFrom<'anonymous' | 'forged'>('anonymous', 'forged') },
  ),
  email: fc.nat({ max: 5 }),
  key: fc.option(fc.nat({ max: 2 }), { nil: undefined }),
  body: fc.oneof({ weight: 6, arbitrary: validBody }, { weight: 4, arbitrary: fc.constantFrom(...BODY_VARIANTS) }),
  delayMs: delay,
});

const decideArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('decide' as const),
  target,
  when: fc.constantFrom<When>('awaiting-decision', 'awaiting-decision', 'near-deadline', 'now', 'window-open'),
  votes: fc.array(
    fc.record({
      user: fc.oneof({ weight: 4, arbitrary: approver }, { weight: 2, arbitrary: user }),
      decision: fc.constantFrom(...DECISIONS),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  delayMs: delay,
});

const confirmArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('confirm' as const),
  target,
  when: fc.constantFrom<When>('window-open', 'window-open', 'now', 'awaiting-decision'),
  user,
  delayMs: delay,
});

const cancelArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('cancel' as const),
  target,
  when: fc.constantFrom(...WHEN),
  user,
  delayMs: delay,
});

const terminateArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('terminate' as const),
  target,
  when: fc.constantFrom(...WHEN),
  delayMs: delay,
});

const resetArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('reset' as const),
  target,
  when: fc.constantFrom(...WHEN),
  pick: fc.nat({ max: 40 }),
  delayMs: delay,
});

const killArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('kill-worker' as const),
  downMs: fc.constantFrom(0, 500, 1_500),
  delayMs: delay,
});

const faultsArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant('faults' as const),
  throttleRate: fc.constantFrom(0, 0.2, 0.5),
  errorRate: fc.constantFrom(0, 0.2, 0.5),
  responseDelayMs: fc.constantFrom(0, 2_000, 5_000),
  operations: fc.subarray([...FAULT_OPERATIONS], { minLength: 1, maxLength: 4 }),
  delayMs: delay,
});

const whenAccount = fc.constantFrom<When>('account', 'awaiting-decision', 'window-open');

export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: submitArb },
  { weight: 5, arbitrary: decideArb },
  { weight: 2, arbitrary: confirmArb },
  { weight: 2, arbitrary: cancelArb },
  { weight: 1, arbitrary: terminateArb },
  { weight: 1, arbitrary: resetArb },
  { weight: 1, arbitrary: killArb },
  { weight: 1, arbitrary: faultsArb },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear-faults' as const), delayMs: delay }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('linked-access' as const), enabled: fc.boolean(), delayMs: delay }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deny-deletion' as const), target, when: whenAccount, delayMs: delay }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('plant-credentials' as const),
      target,
      when: whenAccount,
      mfaDevices: fc.nat({ max: 1 }),
      accessKeys: fc.integer({ min: 1, max: 2 }),
      delayMs: delay,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('root-console' as const),
      target,
      when: fc.constantFrom<When>('window-open', 'window-open', 'now'),
      enabled: fc.constantFrom(true, true, true, false),
      delayMs: delay,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(200, 1_000, 2_500), delayMs: fc.constant(0) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('remediate' as const),
      target,
      approver: fc.oneof({ weight: 4, arbitrary: approver }, { weight: 1, arbitrary: user }),
      // Confirmations and the console step most often: they are what ends a window as `completed`.
      inside: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom<InsideWindow>('confirm', 'console-then-confirm') },
        { weight: 1, arbitrary: fc.constantFrom<InsideWindow>('console') },
        { weight: 2, arbitrary: fc.constantFrom(...INSIDE_WINDOW) },
      ),
      by: user,
      delayMs: delay,
    }),
  },
  { weight: 5, arbitrary: closureActionArb },
);

// ---- printing ------------------------------------------------------------------------------------------------------

export function describeAction(a: Action): string {
  if (isClosureAction(a)) return describeClosureAction(a);
  const at = 'when' in a && a.when !== 'now' ? ` at ${a.when}` : '';
  const after = a.delayMs ? ` +${a.delayMs}ms` : '';
  switch (a.kind) {
    case 'submit':
      return `submit(${a.user}, email#${a.email}${a.key === undefined ? '' : `, key#${a.key}`}, ${a.body})${after}`;
    case 'decide':
      return `decide(#${a.target}${at}: ${a.votes.map((v) => `${v.user} ${v.decision}`).join(' | ')})${after}`;
    case 'confirm':
      return `confirm(#${a.target}${at} by ${a.user})${after}`;
    case 'cancel':
      return `cancel(#${a.target}${at} by ${a.user})${after}`;
    case 'terminate':
      return `terminate(#${a.target}${at})${after}`;
    case 'reset':
      return `reset(#${a.target}${at} to WorkflowTaskCompleted pick ${a.pick})${after}`;
    case 'kill-worker':
      return `kill-worker(down ${a.downMs}ms)${after}`;
    case 'faults':
      return `faults(throttle ${a.throttleRate}, error ${a.errorRate}, delay ${a.responseDelayMs}ms on ${a.operations.join('/')})${after}`;
    case 'clear-faults':
      return `clear-faults${after}`;
    case 'linked-access':
      return `linked-access(${a.enabled ? 'on' : 'off'})${after}`;
    case 'deny-deletion':
      return `deny-deletion(#${a.target}${at}: 1 root access key, deletion denied)${after}`;
    case 'plant-credentials':
      return `plant-credentials(#${a.target}${at}: ${a.mfaDevices} mfa, ${a.accessKeys} keys)${after}`;
    case 'root-console':
      return `root-console(#${a.target}${at}: billing access ${a.enabled ? 'on' : 'off'})${after}`;
    case 'wait':
      return `wait(${a.ms}ms)`;
    case 'remediate':
      return `remediate(#${a.target}: ${a.approver} approves, then inside the window ${a.inside}${['confirm', 'console-then-confirm', 'cancel'].includes(a.inside) ? ` by ${a.by}` : ''})${after}`;
  }
}

// ---- execution -----------------------------------------------------------------------------------------------------

/** The model: what the program knows from the API's answers. */
export interface ChaosModel {
  /** Request ids the API accepted (2xx), in order of first acceptance. */
  requests: string[];
  /** Closure ids the API accepted (2xx), in order of first acceptance. */
  closures: string[];
}

/** One program's world: the shared stack, its journal and what it has seen while acting. */
export interface ProgramContext {
  stack: ChaosStack;
  journal: Journal;
  /** Every email of the program starts with it (lower-case), so programs never see each other's requests. */
  prefix: string;
  counts: Map<ActionKind, number>;
  /** Accounts seen inside an open root window while acting (the window may since have been reset away). */
  windowSeen: Set<string>;
  /** The steps the model runner ran, as printed (a step whose targets did not exist yet is skipped). */
  executed: string[];
  /** Root credentials the program planted: when, on which account (the window is not to blame for later ones). */
  plants: { accountId: string; at: number }[];
  /** Operator resets that took effect: which request, when. */
  resets: { id: string; at: number }[];
  /** Each account's parent before the program first asked to close it (a cancel in the grace period restores it). */
  placementsBefore: Map<string, string>;
  /** The account each accepted closure is for. */
  closureAccounts: Map<string, string>;
  /** Submits of a bad body (BAD_BODIES) the API accepted: what was sent, how it was answered. */
  badInputAccepted: string[];
}

const WAIT_FOR_STAGE_MS = 5_000;
const POLL_MS = 150;

export function emailOf(prefix: string, slot: number): string {
  return `${prefix}-${slot}@chaos.example.com`;
}

function accountNameOf(prefix: string, slot: number): string {
  return `${prefix}-acct-${slot}`;
}

/** The body a submit variant sends: an object (sent as JSON) or a raw string. */
export function submitBody(prefix: string, a: Extract<Action, { kind: 'submit' }>): { body: unknown; contentType?: string } {
  const base = { accountName: accountNameOf(prefix, a.email), email: emailOf(prefix, a.email), organizationalUnit: 'Workloads' };
  switch (a.body) {
    case 'plain':
      return { body: base };
    case 'sandbox-ou':
      return { body: { ...base, organizationalUnit: 'Sandbox' } };
    case 'tagged':
      return { body: { ...base, tags: { team: 'chaos', 'cost-center': '42' }, justification: 'chaos program' } };
    case 'blueprint-day-one':
      return { body: { ...base, blueprint: FULL_BLUEPRINT } };
    case 'blueprint-minimal':
      return { body: { ...base, organizationalUnit: 'Sandbox', blueprint: MINIMAL_BLUEPRINT } };
    case 'unknown-blueprint':
      return { body: { ...base, blueprint: 'no-such-blueprint' } };
    case 'upper-case-email':
      return { body: { ...base, email: base.email.toUpperCase() } };
    case 'name-of-email-0':
      return { body: { ...base, accountName: accountNameOf(prefix, 0) } };
    case 'unknown-ou':
      return { body: { ...base, organizationalUnit: 'NoSuchUnit' } };
    case 'unicode-email':
      return { body: { ...base, email: `${prefix}-${a.email}-\u00e9t\u00e9@chaos.example.com` } };
    case 'missing-email':
      return { body: { accountName: base.accountName, organizationalUnit: base.organizationalUnit } };
    case 'bad-email':
      return { body: { ...base, email: `${prefix}-${a.email} at chaos.example.com` } };
    case 'extra-field':
      return { body: { ...base, approved: true } };
    case 'long-name':
      return { body: { ...base, accountName: 'x'.repeat(51) } };
    case 'control-chars':
      // Only where the text rule alone guards: a justification (an account name is refused by its ASCII rule and a
      // tag by AWS's tag characters as well).
      return { body: { ...base, justification: 'a\u202etxt\u0007' } };
    case 'aws-tag':
      return { body: { ...base, tags: { 'aws:createdBy': 'me' } } };
    case 'smuggled-requester':
      return { body: { ...base, requester: 'bob', roles: ['approver'] } };
    case 'not-json':
      return { body: `{"accountName":"${base.accountName}","email":`, contentType: 'application/json' };
    case 'array':
      return { body: [base] };
    case 'huge':
      return { body: { ...base, justification: 'y'.repeat(70_000) } };
  }
}

interface RequestPeek {
  stage?: string;
  execution?: string;
  accountId?: string;
  rootWindow?: { openedAt?: string };
  pendingDecision?: { deadline: string };
}

async function peek(ctx: ProgramContext, id: string, by: string): Promise<RequestPeek | undefined> {
  const res = await ctx.journal.call(by, 'GET', `/v1/account-requests/${id}`, { user: OBSERVER });
  if (res.status !== 200) return undefined;
  const view = res.body as RequestPeek;
  if (view.accountId && (view.stage === 'root-window-open' || view.stage === 'closing-root-window')) ctx.windowSeen.add(view.accountId);
  return view;
}

/** Waits until the request reaches `when` (or ends, or the wait's bound passes); returns the last view. */
async function reach(ctx: ProgramContext, id: string, when: When, by: string): Promise<RequestPeek | undefined> {
  if (when === 'now') return undefined;
  const deadline = Date.now() + WAIT_FOR_STAGE_MS;
  let view: RequestPeek | undefined;
  for (;;) {
    view = await peek(ctx, id, by);
    const ended = view?.execution !== undefined && view.execution !== 'RUNNING';
    const there =
      (when === 'creating' && view?.stage !== undefined && view.stage !== 'preflight') ||
      (when === 'account' && view?.accountId !== undefined) ||
      ((when === 'awaiting-decision' || when === 'near-deadline') && view?.stage === 'awaiting-decision') ||
      (when === 'window-open' && view?.stage === 'root-window-open' && view.rootWindow?.openedAt !== undefined);
    if (there || ended || Date.now() > deadline) break;
    await sleep(POLL_MS);
  }
  if (when === 'near-deadline' && view?.pendingDecision?.deadline) {
    // Land just before (or at) the decision deadline: the race between the timer and the decision.
    const untilDeadline = Date.parse(view.pendingDecision.deadline) - Date.now();
    await sleep(Math.max(0, untilDeadline - 50));
  }
  return view;
}

async function reachAccount(ctx: ProgramContext, id: string, when: When, by: string): Promise<RequestPeek | undefined> {
  return (await reach(ctx, id, when, by)) ?? (await peek(ctx, id, by));
}

/** Stages in which planted credentials are still the root window's to delete. */
const BEFORE_WINDOW_CLOSES = ['preflight', 'creating', 'placing', 'awaiting-ready', 'verifying-billing-access', 'awaiting-decision', 'root-window-open'];

export async function runAction(action: Action, model: ChaosModel, ctx: ProgramContext): Promise<void> {
  ctx.counts.set(action.kind, (ctx.counts.get(action.kind) ?? 0) + 1);
  if (action.delayMs) await sleep(action.delayMs);
  const by = describeAction(action);
  if (isClosureAction(action)) return runClosureAction(action, model, ctx, by);
  const { journal, stack } = ctx;
  const id = isTargeted(action) ? model.requests[action.target % model.requests.length] : undefined;

  switch (action.kind) {
    case 'submit': {
      const { body, contentType } = submitBody(ctx.prefix, action);
      const res = await journal.call(by, 'POST', '/v1/account-requests', {
        user: action.user === 'anonymous' ? undefined : action.user,
        body,
        contentType,
        idempotencyKey: action.key === undefined ? undefined : `${ctx.prefix}-key-${action.key}`,
      });
      const accepted = acceptedId(res);
      if (BAD_BODIES.has(action.body) && res.status >= 200 && res.status < 300) ctx.badInputAccepted.push(`${action.body} body answered ${res.status}${accepted ? ` (${accepted})` : ''}`);
      if (accepted && !model.requests.includes(accepted)) model.requests.push(accepted);
      return;
    }
    case 'decide':
      await reach(ctx, id!, action.when, by);
      // All votes at once: decisions that reach the workflow together are the race that four eyes must survive.
      await Promise.all(action.votes.map((vote) => decide(ctx, by, id!, vote.user, vote.decision)));
      return;
    case 'confirm':
      await reach(ctx, id!, action.when, by);
      return void (await confirm(ctx, by, id!, action.user));
    case 'cancel':
      await reach(ctx, id!, action.when, by);
      return void (await cancel(ctx, by, id!, action.user));
    case 'terminate':
      await reach(ctx, id!, action.when, by);
      return terminate(ctx, by, id!);
    case 'reset':
      await reach(ctx, id!, action.when, by);
      journal.note(by, `reset ${id}: ${await resetToEarlierTask(ctx, id!, action.pick)}`);
      return;
    case 'kill-worker':
      return killWorker(ctx, by, action.downMs);
    case 'faults': {
      const res = await stack.sandboxControl('POST', '/faults', {
        throttleRate: action.throttleRate,
        errorRate: action.errorRate,
        responseDelayMs: action.responseDelayMs,
        operations: action.operations,
      });
      journal.note(by, `sandbox faults: ${res.status}`);
      return;
    }
    case 'clear-faults':
      journal.note(by, `sandbox faults cleared: ${(await clearFaults(stack)).status}`);
      return;
    case 'linked-access':
      journal.note(by, `linked-account access: ${(await stack.sandboxControl('POST', '/linked-account-access', { enabled: action.enabled })).status}`);
      return;
    case 'deny-deletion':
    case 'plant-credentials': {
      const view = await reachAccount(ctx, id!, action.when, by);
      const plant = action.kind === 'deny-deletion' ? { accessKeys: 1, denyDeletion: true } : { mfaDevices: action.mfaDevices, accessKeys: action.accessKeys };
      return plantCredentials(ctx, by, id!, view, plant);
    }
    case 'root-console':
      return rootConsole(ctx, by, id!, (await reachAccount(ctx, id!, action.when, by))?.accountId, action.enabled);
    case 'wait':
      await sleep(action.ms);
      return;
    case 'remediate': {
      await reach(ctx, id!, 'awaiting-decision', by);
      await decide(ctx, by, id!, action.approver, 'approve-remediation');
      const view = await reach(ctx, id!, 'window-open', by);
      if (view?.stage !== 'root-window-open') return journal.note(by, `${id}: no open root window (${view?.stage})`);
      switch (action.inside) {
        case 'confirm':
          return void (await confirm(ctx, by, id!, action.by));
        case 'console':
          return rootConsole(ctx, by, id!, view.accountId, true);
        case 'console-then-confirm':
          await rootConsole(ctx, by, id!, view.accountId, true);
          return void (await confirm(ctx, by, id!, action.by));
        case 'cancel':
          return void (await cancel(ctx, by, id!, action.by));
        case 'terminate':
          return terminate(ctx, by, id!);
        case 'kill-worker':
          return killWorker(ctx, by, 500);
        case 'deny-deletion':
          return plantCredentials(ctx, by, id!, view, { accessKeys: 1, denyDeletion: true });
        case 'nothing':
          return;
      }
    }
  }
}

function decide(ctx: ProgramContext, by: string, id: string, user: User, decision: DecisionKind): Promise<Exchange> {
  return ctx.journal.call(by, 'POST', `/v1/account-requests/${id}/decision`, { user, body: { decision, reason: `chaos: ${user} says ${decision}` } });
}

function confirm(ctx: ProgramContext, by: string, id: string, user: User): Promise<Exchange> {
  return ctx.journal.call(by, 'POST', `/v1/account-requests/${id}/remediation-confirmation`, { user, body: { note: 'done in the console' } });
}

function cancel(ctx: ProgramContext, by: string, id: string, user: User): Promise<Exchange> {
  return ctx.journal.call(by, 'POST', `/v1/account-requests/${id}/cancel`, { user });
}

async function terminate(ctx: ProgramContext, by: string, id: string): Promise<void> {
  const outcome = await ctx.stack.temporal.workflow
    .getHandle(id)
    .terminate('chaos: an operator terminates the run')
    .then(
      () => 'terminated',
      (err: Error) => `refused: ${err.name}`,
    );
  ctx.journal.note(by, `terminate ${id}: ${outcome}`);
}

async function killWorker(ctx: ProgramContext, by: string, downMs: number): Promise<void> {
  await ctx.stack.worker.killAndRestart(downMs);
  ctx.journal.note(by, 'worker SIGKILLed and restarted');
}

async function plantCredentials(ctx: ProgramContext, by: string, id: string, view: RequestPeek | undefined, plant: Record<string, unknown>): Promise<void> {
  const accountId = view?.accountId;
  if (!accountId) return ctx.journal.note(by, `${id} has no account (yet): nothing planted`);
  // Credentials planted once the window closed or the request ended are nobody's to delete: not planted.
  if (view.execution !== 'RUNNING' || !BEFORE_WINDOW_CLOSES.includes(view.stage ?? '')) {
    return ctx.journal.note(by, `${id} is at ${view.stage} (${view.execution}): nothing planted`);
  }
  ctx.plants.push({ accountId, at: Date.now() });
  const res = await ctx.stack.sandboxControl('POST', `/accounts/${accountId}/root-credentials`, plant);
  ctx.journal.note(by, `root credentials ${JSON.stringify(plant)} planted on ${accountId}: ${res.status}`);
}

async function rootConsole(ctx: ProgramContext, by: string, id: string, accountId: string | undefined, enabled: boolean): Promise<void> {
  if (!accountId) return ctx.journal.note(by, `${id} has no account (yet): no console step`);
  const res = await ctx.stack.sandboxControl('POST', `/accounts/${accountId}/root-console/billing-access`, { enabled });
  ctx.journal.note(by, `root console step (billing access ${enabled ? 'on' : 'off'}) on ${accountId}: ${res.status}`);
}

/** The id a submit answer names when the API accepted it (202 started, 200 idempotent repeat). */
export function acceptedId(res: Exchange): string | undefined {
  const body = res.body as { id?: unknown } | undefined;
  return res.status >= 200 && res.status < 300 && typeof body?.id === 'string' ? body.id : undefined;
}

export function clearFaults(stack: ChaosStack): Promise<{ status: number }> {
  return stack.sandboxControl('POST', '/faults', { throttleRate: 0, errorRate: 0, latencyMs: 0, responseDelayMs: 0 });
}

/** An operator's reset to a random earlier WorkflowTaskCompleted of the current run; what happened, as text. */
async function resetToEarlierTask(ctx: ProgramContext, id: string, pick: number): Promise<string> {
  const { stack } = ctx;
  try {
    const handle = stack.temporal.workflow.getHandle(id);
    const { runId } = await handle.describe();
    const history = await stack.temporal.workflow.getHandle(id, runId).fetchHistory();
    const completed = (history.events ?? []).filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    if (completed.length === 0) return 'no completed workflow task yet';
    const event = completed[pick % completed.length];
    const response = await stack.temporal.workflowService.resetWorkflowExecution({
      namespace: stack.temporal.options.namespace,
      workflowExecution: { workflowId: id, runId },
      reason: 'chaos: an operator resets the run',
      workflowTaskFinishEventId: event.eventId,
      requestId: randomUUID(),
    });
    ctx.resets.push({ id, at: Date.now() });
    return `to event ${String(event.eventId)} of ${completed.length} completions, new run ${response.runId}`;
  } catch (err) {
    return `refused: ${(err as Error).message.slice(0, 200)}`;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
