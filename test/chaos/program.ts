/**
 * One chaos program: an opening (a few requests at once), then steps of 1-3 actions fired together, against the
 * real stack through fast-check's model runner; then settle, observe and check the invariants. fast-check generates,
 * prints and shrinks the program (fc.commands); the model is only what the API's answers taught the program.
 */
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { closureTargetsExist, isClosureAction } from './closure-actions';
import { actionArb, describeAction, isTargeted, runAction, submitArb, validSubmitArb, clearFaults, type Action, type ActionKind, type ChaosModel, type ProgramContext } from './actions';
import { checkInvariants, type Violation } from './invariants';
import { Journal } from './journal';
import { cleanUp, guardianPassSince, observe, programClosureIds, programRequestIds, settle, settleClosures, type SettleMode } from './settle';
import { type ChaosStack } from './stack';

export interface ProgramConfig {
  /** The organization's Cost Explorer linked-account access at the start: off sends requests to a decision. */
  linkedAccess: boolean;
  /** How parked requests end while settling: their own short deadlines, or an operator's cancellation. */
  settle: SettleMode;
  /** Submits fired together before the first step. */
  opening: Action[];
}

/** Steps fired one after another; the actions of a step run concurrently. */
export class Step implements fc.AsyncCommand<ChaosModel, ProgramContext> {
  constructor(readonly actions: Action[]) {}

  check(model: Readonly<ChaosModel>): boolean {
    return this.actions.every((a) => (isClosureAction(a) ? closureTargetsExist(a, model) : !isTargeted(a) || model.requests.length > 0));
  }

  async run(model: ChaosModel, ctx: ProgramContext): Promise<void> {
    ctx.executed.push(this.toString());
    await Promise.all(this.actions.map((a) => runAction(a, model, ctx)));
  }

  toString(): string {
    return this.actions.length === 1 ? describeAction(this.actions[0]) : `together(${this.actions.map(describeAction).join(' & ')})`;
  }
}

export const MAX_STEPS = 8;

export function programArb(maxSteps = MAX_STEPS, replayPath?: string) {
  const config: fc.Arbitrary<ProgramConfig> = fc.record({
    linkedAccess: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 4, arbitrary: fc.constant(false) }),
    settle: fc.constantFrom<SettleMode>('deadlines', 'cancel'),
    opening: fc.tuple(validSubmitArb, fc.array(submitArb, { maxLength: 2 })).map(([first, more]) => [first, ...more]),
  });
  const step = fc.array(actionArb, { minLength: 1, maxLength: 3 }).map((actions) => new Step(actions));
  return fc.tuple(config, fc.commands([step], { maxCommands: maxSteps, size: 'max', ...(replayPath ? { replayPath } : {}) }));
}

export function describeConfig(c: ProgramConfig): string {
  return `linked access ${c.linkedAccess ? 'on' : 'off'}, settle by ${c.settle}, opening together(${c.opening.map(describeAction).join(' & ')})`;
}

export interface ProgramOutcome {
  prefix: string;
  durationMs: number;
  actions: number;
  counts: Map<ActionKind, number>;
  requests: number;
  violations: Violation[];
  /** The steps that ran (a step whose targets did not exist yet is skipped). */
  program: string;
  /** What happened, for --verbose: the API's answers (observation reads left out), operator steps, the end states. */
  trace: string;
}

let programNumber = 0;

export async function runProgram(
  stack: ChaosStack,
  config: ProgramConfig,
  steps: Iterable<fc.AsyncCommand<ChaosModel, ProgramContext>>,
): Promise<ProgramOutcome> {
  const started = Date.now();
  const prefix = `c${randomBytes(3).toString('hex')}${++programNumber}`;
  const ctx: ProgramContext = { stack, journal: new Journal(stack.apiUrl), prefix, counts: new Map(), windowSeen: new Set(), executed: [], plants: [], resets: [], placementsBefore: new Map(), closureAccounts: new Map() };
  const model: ChaosModel = { requests: [], closures: [] };

  await clearFaults(stack);
  await stack.sandboxControl('POST', '/linked-account-access', { enabled: config.linkedAccess });
  await stack.worker.ensureRunning();
  await Promise.all(config.opening.map((a) => runAction(a, model, ctx)));
  // The model runner skips a step whose targets do not exist yet; ctx.executed lists the ones it ran.
  await fc.asyncModelRun(() => ({ model, real: ctx }), steps);

  const accepted = [...model.requests];
  const { all } = await programRequestIds(ctx, started, accepted);
  const unsettled = await settle(ctx, all, config.settle);
  const closureIds = await programClosureIds(ctx, started, model.closures);
  const unsettledClosures = await settleClosures(ctx, closureIds, config.settle);
  const guardianWait = await guardianPassSince(ctx, new Date());
  const facts = await observe(ctx, started, accepted, unsettled, await programClosureIds(ctx, started, closureIds), unsettledClosures, guardianWait);
  await cleanUp(ctx, [...unsettled, ...unsettledClosures]);
  const violations = checkInvariants(facts);
  const actions = [...ctx.counts.values()].reduce((a, b) => a + b, 0);
  return {
    prefix,
    durationMs: Date.now() - started,
    actions,
    counts: ctx.counts,
    requests: facts.requests.length,
    violations,
    program: [describeConfig(config), ...ctx.executed].join('\n  '),
    trace: traceOf(ctx, facts),
  };
}

function traceOf(ctx: ProgramContext, facts: Awaited<ReturnType<typeof observe>>): string {
  const t0 = ctx.journal.exchanges[0]?.sentAt ?? Date.now();
  const at = (ms: number) => `${((ms - t0) / 1000).toFixed(2).padStart(6)}s`;
  const lines = [
    ...ctx.journal.exchanges
      .filter((e) => e.method !== 'GET')
      .map((e) => ({ t: e.sentAt, text: `${at(e.sentAt)} ${e.method} ${e.path} ${e.user ?? '-'} -> ${e.status || e.error} ${e.status >= 300 ? JSON.stringify((e.body as { error?: { code?: string } })?.error?.code ?? e.body).slice(0, 80) : ''} (${(e.answeredAt - e.sentAt)} ms)` })),
    ...ctx.journal.events.map((e) => ({ t: e.at, text: `${at(e.at)} ${e.what}` })),
  ]
    .sort((a, b) => a.t - b.t)
    .map((l) => l.text);
  for (const r of facts.requests) {
    const v = r.view;
    lines.push(
      `  ${r.id}: ${v ? `${v.stage}/${v.execution} account ${v.accountId ?? '-'} verdict ${v.billingAccess?.verdict ?? '-'} decision ${v.decision ? `${v.decision.decision} by ${v.decision.decidedBy}` : '-'} window ${v.rootWindow ? `${v.rootWindow.closedBecause ?? 'open'}` : '-'} timeline ${v.timeline.map((s) => s.stage).join('>')}` : 'unreadable'}`,
    );
  }
  for (const a of facts.accounts) lines.push(`  account ${a.accountId} ${a.email} billing ${a.billingAccess} root ${JSON.stringify(a.rootCredentials)}`);
  for (const c of facts.closures) {
    const v = c.view;
    lines.push(`  ${c.id}: ${v ? `${v.stage}/${v.execution ?? '?'} by ${v.requester} decision ${v.decision ? `${v.decision.decision} by ${v.decision.decidedBy}` : '-'}${v.cancellation ? ` cancelled by ${v.cancellation.cancelledBy} at ${v.cancellation.stage}` : ''}` : 'unreadable'}`);
  }
  for (const a of facts.accountClosures) lines.push(`  closed in AWS ${a.accountId} ${a.state}`);
  for (const n of facts.notifications) lines.push(`  notified ${n.kind} to ${n.audience}${n.severity ? ` (${n.severity})` : ''} ${n.requestId ?? ''} ${n.accountId ?? ''}`);
  return lines.join('\n');
}

export function describeViolations(violations: Violation[]): string {
  return violations.map((v) => `  [${v.invariant}] ${v.subject}: ${v.detail}`).join('\n');
}
