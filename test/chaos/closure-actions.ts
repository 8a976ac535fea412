/**
 * What a chaos program can do to account closures, as plain data (fast-check generates, prints and shrinks it), and
 * how each is carried out through the closure API. A closure names a program's vended account by the index of its
 * vending request (modulo their number), or the management account, or the member account in the protected OU;
 * decisions and cancels name a closure by its index among the closures the API accepted.
 */
import { ListParentsCommand } from '@aws-sdk/client-organizations';
import fc from 'fast-check';
import { type ChaosModel, type ProgramContext } from './actions';
import { type Exchange } from './journal';
import { OBSERVER, USERS, type User } from './principals';

export const CLOSURE_DECISIONS = ['approve', 'reject'] as const;
export type ClosureDecisionKind = (typeof CLOSURE_DECISIONS)[number];

/** Before acting on a closure, wait (bounded) until it is there, or has ended. */
export const CLOSURE_WHEN = ['now', 'awaiting-decision', 'grace', 'closing'] as const;
export type ClosureWhen = (typeof CLOSURE_WHEN)[number];

/** Who asks or cancels: a named principal, or `owner`, the requester of the account's vending request. */
export type ClosureActor = User | 'owner';

/** What happens once a closure flow's account is in quarantine. */
export const IN_GRACE = ['cancel', 'nothing'] as const;
export type InGrace = (typeof IN_GRACE)[number];

export type ClosureAction =
  | { kind: 'close'; of: number | 'management' | 'protected'; by: ClosureActor; adopt: boolean; key?: number; delayMs: number }
  | { kind: 'close-decide'; closure: number; when: ClosureWhen; votes: { user: User; decision: ClosureDecisionKind }[]; delayMs: number }
  | { kind: 'close-cancel'; closure: number; when: ClosureWhen; by: ClosureActor; delayMs: number }
  /** A whole closure, so that programs reach quarantine often: the owner asks, an approver approves, then the grace. */
  | { kind: 'close-flow'; of: number; approver: User; inGrace: InGrace; by: ClosureActor; delayMs: number };

export type ClosureActionKind = ClosureAction['kind'];
export const CLOSURE_ACTION_KINDS: readonly string[] = ['close', 'close-decide', 'close-cancel', 'close-flow'];

export function isClosureAction(a: { kind: string }): a is ClosureAction {
  return CLOSURE_ACTION_KINDS.includes(a.kind);
}

/** Whether the model has what the action points at (the model runner skips a step otherwise). */
export function closureTargetsExist(a: ClosureAction, model: Readonly<ChaosModel>): boolean {
  if (a.kind === 'close-decide' || a.kind === 'close-cancel') return model.closures.length > 0;
  return typeof a.of !== 'number' || model.requests.length > 0;
}

// ---- arbitraries ---------------------------------------------------------------------------------------------------

const delay = fc.constantFrom(0, 100, 300);
const user = fc.constantFrom(...USERS);
const approver = fc.constantFrom<User>('bob', 'erin', 'carol');
const actor: fc.Arbitrary<ClosureActor> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<ClosureActor>('owner') },
  { weight: 2, arbitrary: fc.constant<ClosureActor>('oscar') },
  { weight: 2, arbitrary: user },
);

export const closureActionArb: fc.Arbitrary<ClosureAction> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('close' as const),
      of: fc.oneof({ weight: 6, arbitrary: fc.nat({ max: 7 }) }, { weight: 1, arbitrary: fc.constantFrom<'management' | 'protected'>('management', 'protected') }),
      by: actor,
      adopt: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      key: fc.option(fc.nat({ max: 1 }), { nil: undefined }),
      delayMs: delay,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('close-decide' as const),
      closure: fc.nat({ max: 3 }),
      when: fc.constantFrom<ClosureWhen>('awaiting-decision', 'awaiting-decision', 'now', 'grace'),
      votes: fc.array(
        fc.record({ user: fc.oneof({ weight: 4, arbitrary: approver }, { weight: 2, arbitrary: user }), decision: fc.constantFrom(...CLOSURE_DECISIONS) }),
        { minLength: 1, maxLength: 3 },
      ),
      delayMs: delay,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('close-cancel' as const), closure: fc.nat({ max: 3 }), when: fc.constantFrom(...CLOSURE_WHEN), by: actor, delayMs: delay }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('close-flow' as const),
      of: fc.nat({ max: 7 }),
      approver: fc.oneof({ weight: 4, arbitrary: approver }, { weight: 1, arbitrary: user }),
      inGrace: fc.constantFrom(...IN_GRACE),
      by: actor,
      delayMs: delay,
    }),
  },
);

export function describeClosureAction(a: ClosureAction): string {
  const after = a.delayMs ? ` +${a.delayMs}ms` : '';
  const at = 'when' in a && a.when !== 'now' ? ` at ${a.when}` : '';
  const of = (o: number | string) => (typeof o === 'number' ? `#${o}` : o);
  switch (a.kind) {
    case 'close':
      return `close(${of(a.of)} by ${a.by}${a.adopt ? ', adopt' : ''}${a.key === undefined ? '' : `, key#${a.key}`})${after}`;
    case 'close-decide':
      return `close-decide(closure#${a.closure}${at}: ${a.votes.map((v) => `${v.user} ${v.decision}`).join(' | ')})${after}`;
    case 'close-cancel':
      return `close-cancel(closure#${a.closure}${at} by ${a.by})${after}`;
    case 'close-flow':
      return `close-flow(#${a.of}: owner asks, ${a.approver} approves, in the grace ${a.inGrace === 'cancel' ? `cancel by ${a.by}` : 'nothing'})${after}`;
  }
}

// ---- execution -----------------------------------------------------------------------------------------------------

const WAIT_FOR_ACCOUNT_MS = 15_000;
const WAIT_FOR_STAGE_MS = 8_000;
const POLL_MS = 150;

export interface ClosurePeek {
  stage?: string;
  execution?: string;
  requester?: string;
  accountId?: string;
  quarantine?: { quarantinedAt?: string; graceEndsAt?: string; restoredAt?: string };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The vending request's account and requester once the request ended (bounded wait): what a closure is asked for. */
async function vendedAccount(ctx: ProgramContext, id: string, by: string): Promise<{ accountId?: string; requester?: string }> {
  const deadline = Date.now() + WAIT_FOR_ACCOUNT_MS;
  for (;;) {
    const res = await ctx.journal.call(by, 'GET', `/v1/account-requests/${id}`, { user: OBSERVER });
    const view = res.status === 200 ? (res.body as { execution?: string; accountId?: string; requester?: string }) : undefined;
    if ((view?.execution !== undefined && view.execution !== 'RUNNING') || Date.now() > deadline) return { accountId: view?.accountId, requester: view?.requester };
    await sleep(POLL_MS);
  }
}

async function peekClosure(ctx: ProgramContext, id: string, by: string): Promise<ClosurePeek | undefined> {
  const res = await ctx.journal.call(by, 'GET', `/v1/closure-requests/${id}`, { user: OBSERVER });
  return res.status === 200 ? (res.body as ClosurePeek) : undefined;
}

async function reachClosure(ctx: ProgramContext, id: string, when: ClosureWhen, by: string): Promise<ClosurePeek | undefined> {
  if (when === 'now') return undefined;
  const deadline = Date.now() + WAIT_FOR_STAGE_MS;
  for (;;) {
    const view = await peekClosure(ctx, id, by);
    const ended = view?.execution !== undefined && view.execution !== 'RUNNING';
    const there =
      (when === 'awaiting-decision' && view?.stage === 'awaiting-decision') ||
      (when === 'grace' && view?.stage === 'quarantine' && view.quarantine?.quarantinedAt !== undefined) ||
      (when === 'closing' && view?.stage === 'closing');
    if (there || ended || Date.now() > deadline) return view;
    await sleep(POLL_MS);
  }
}

/**
 * Where the account sits now, read before the program asks to close it; kept (placementsBefore) once a closure of it
 * is accepted for the first time: what a cancel in the grace period restores. A closure moves nothing before its
 * decision, so the parent read just before the accepted ask is the one the account had.
 */
async function parentOf(ctx: ProgramContext, accountId: string): Promise<string | undefined> {
  try {
    const { Parents } = await ctx.stack.organizations.send(new ListParentsCommand({ ChildId: accountId }));
    return Parents?.[0]?.Id;
  } catch (err) {
    ctx.journal.note('placement', `ListParents ${accountId}: ${(err as Error).name}`);
    return undefined;
  }
}

function userOf(actor: ClosureActor, owner: string | undefined): User {
  if (actor !== 'owner') return actor;
  return (USERS as readonly string[]).includes(owner ?? '') ? (owner as User) : 'alice';
}

async function askClosure(
  ctx: ProgramContext,
  model: ChaosModel,
  by: string,
  of: number | 'management' | 'protected',
  actor: ClosureActor,
  adopt: boolean,
  key?: number,
): Promise<{ closureId?: string; owner?: string }> {
  let accountId: string | undefined;
  let owner: string | undefined;
  if (of === 'management') accountId = ctx.stack.managementAccountId;
  else if (of === 'protected') accountId = ctx.stack.protectedAccountId;
  else ({ accountId, requester: owner } = await vendedAccount(ctx, model.requests[of % model.requests.length], by));
  if (!accountId) {
    ctx.journal.note(by, 'the request has no account: no closure asked');
    return {};
  }
  const parentBefore = ctx.placementsBefore.has(accountId) ? undefined : await parentOf(ctx, accountId);
  const res = await ctx.journal.call(by, 'POST', '/v1/closure-requests', {
    user: userOf(actor, owner),
    body: { accountId, reason: `chaos: ${by}`, ...(adopt ? { adopt: true } : {}) },
    idempotencyKey: key === undefined ? undefined : `${ctx.prefix}-close-${key}`,
  });
  const body = res.body as { id?: unknown } | undefined;
  const closureId = res.status >= 200 && res.status < 300 && typeof body?.id === 'string' ? body.id : undefined;
  if (closureId && !model.closures.includes(closureId)) model.closures.push(closureId);
  if (closureId) ctx.closureAccounts.set(closureId, accountId);
  if (closureId && parentBefore && !ctx.placementsBefore.has(accountId)) ctx.placementsBefore.set(accountId, parentBefore);
  return { closureId, owner };
}

function decideClosure(ctx: ProgramContext, by: string, id: string, user: User, decision: ClosureDecisionKind): Promise<Exchange> {
  return ctx.journal.call(by, 'POST', `/v1/closure-requests/${id}/decision`, { user, body: { decision, reason: `chaos: ${user} says ${decision}` } });
}

function cancelClosure(ctx: ProgramContext, by: string, id: string, user: User): Promise<Exchange> {
  return ctx.journal.call(by, 'POST', `/v1/closure-requests/${id}/cancel`, { user, body: { reason: `chaos: ${user} cancels` } });
}

export async function runClosureAction(action: ClosureAction, model: ChaosModel, ctx: ProgramContext, by: string): Promise<void> {
  switch (action.kind) {
    case 'close':
      await askClosure(ctx, model, by, action.of, action.by, action.adopt, action.key);
      return;
    case 'close-decide': {
      const id = model.closures[action.closure % model.closures.length];
      await reachClosure(ctx, id, action.when, by);
      // All votes at once: the race four eyes must survive.
      await Promise.all(action.votes.map((v) => decideClosure(ctx, by, id, v.user, v.decision)));
      return;
    }
    case 'close-cancel': {
      const id = model.closures[action.closure % model.closures.length];
      const view = (await reachClosure(ctx, id, action.when, by)) ?? (await peekClosure(ctx, id, by));
      await cancelClosure(ctx, by, id, userOf(action.by, view?.requester));
      return;
    }
    case 'close-flow': {
      const { closureId, owner } = await askClosure(ctx, model, by, action.of, 'owner', false);
      if (!closureId) return;
      await reachClosure(ctx, closureId, 'awaiting-decision', by);
      await decideClosure(ctx, by, closureId, action.approver, 'approve');
      const view = await reachClosure(ctx, closureId, 'grace', by);
      if (view?.stage !== 'quarantine') return ctx.journal.note(by, `${closureId}: not in its grace period (${view?.stage})`);
      if (action.inGrace === 'cancel') await cancelClosure(ctx, by, closureId, userOf(action.by, owner));
      return;
    }
  }
}
