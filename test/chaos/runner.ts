/**
 * Runs chaos programs with fast-check: a seed (printed, replayable with its path), a bounded number of programs,
 * shrinking of a failing program within a time budget (or none), and a summary of what ran and what failed.
 * In survey mode no program fails the run: every program is checked and the violations are tallied by invariant,
 * with the program (seed + path) that first showed each.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type ActionKind } from './actions';
import { type InvariantName, type Violation } from './invariants';
import { describeViolations, MAX_STEPS, programArb, runProgram, type ProgramOutcome } from './program';
import { type ChaosStack } from './stack';

const TRACE_DIR = join('test-artifacts', 'chaos');

export interface ChaosOptions {
  runs: number;
  seed?: number;
  /**
   * fast-check's path of a program (printed with a failure), with its seed: `runs` programs are run from there on
   * (1 replays just that one; a shrunk path like `3:0:1` replays the shrunk program).
   */
  path?: string;
  /** The commands' replay hint printed with a shrunk program (`replayPath=...`), for an exact replay of it. */
  replayPath?: string;
  /** Shrink a failing program (re-runs programs); false stops at the first failure. */
  shrink: boolean;
  /** Wall-clock budget for shrinking; programs asked for after it pass without running, ending the shrink. */
  shrinkBudgetMs: number;
  /** Record violations of every program instead of stopping at the first failing one. */
  survey?: boolean;
  /** Only these invariants fail a program (and so steer the shrink); the others are still reported. */
  only?: InvariantName[];
  maxSteps?: number;
  /** Print each program and its trace (answers, operator steps, end states). */
  verbose?: boolean;
  log: (line: string) => void;
}

export interface InvariantTally {
  programs: number;
  /** 1-based number of the first generated program that broke it. */
  firstProgram: number;
  firstPath: string;
  example: string;
}

export interface ChaosSummary {
  seed: number;
  /** Programs generated from the seed (shrinking excluded). */
  programs: number;
  /** Programs run while shrinking. */
  shrinkRuns: number;
  actions: number;
  perAction: Partial<Record<ActionKind, number>>;
  programTimesMs: number[];
  failedPrograms: number;
  byInvariant: Partial<Record<InvariantName | 'harness-error', InvariantTally>>;
  /** The (shrunk) failing program: fast-check's report, its violations and how to replay it. */
  failure?: string;
}

class ChaosViolations extends Error {
  constructor(
    readonly outcome: ProgramOutcome,
    readonly violations: Violation[],
  ) {
    super(`${violations.length} invariant violation(s) in program ${outcome.prefix}:\n${describeViolations(violations)}\nprogram:\n  ${outcome.program}`);
    this.name = 'ChaosViolations';
  }
}

export async function runChaos(stack: ChaosStack, opts: ChaosOptions): Promise<ChaosSummary> {
  const seed = opts.seed ?? (Date.now() ^ (Math.random() * 0x100000000)) >>> 0;
  const summary: ChaosSummary = {
    seed,
    programs: 0,
    shrinkRuns: 0,
    actions: 0,
    perAction: {},
    programTimesMs: [],
    failedPrograms: 0,
    byInvariant: {},
  };
  opts.log(`[chaos] seed ${seed}: ${opts.runs} program(s)${opts.path ? ` from path ${opts.path}` : ''}, shrinking ${opts.shrink && !opts.survey ? `within ${opts.shrinkBudgetMs} ms` : 'off'}`);
  let firstFailureAt: number | undefined;
  /** The last failing run: when shrinking ends, the shrunk program. */
  let lastFailure: ProgramOutcome | undefined;
  let generated = 0;
  // A generated program's own path: its index, counted from the path the run started at.
  const startIndex = opts.path && /^\d+$/.test(opts.path) ? Number(opts.path) : 0;
  const pathOf = (n: number) => (opts.path?.includes(':') ? opts.path : String(startIndex + n - 1));

  const property = fc.asyncProperty(programArb(opts.maxSteps ?? MAX_STEPS, opts.replayPath), async ([config, steps]) => {
    const shrinking = firstFailureAt !== undefined;
    if (shrinking && Date.now() - firstFailureAt! > opts.shrinkBudgetMs) return; // budget spent: end the shrink
    if (shrinking) summary.shrinkRuns++;
    else summary.programs = ++generated;
    let outcome: ProgramOutcome;
    try {
      outcome = await runProgram(stack, config, steps);
    } catch (err) {
      tally(summary, 'harness-error', 1, generated, pathOf(generated), (err as Error).message);
      summary.failedPrograms++;
      firstFailureAt ??= Date.now();
      throw err;
    }
    summary.actions += outcome.actions;
    for (const [kind, n] of outcome.counts) summary.perAction[kind] = (summary.perAction[kind] ?? 0) + n;
    summary.programTimesMs.push(outcome.durationMs);
    const label = shrinking ? `shrink run ${summary.shrinkRuns}` : `program ${generated}`;
    opts.log(
      `[chaos] ${label} ${outcome.prefix}: ${outcome.actions} actions, ${outcome.requests} requests, ${(outcome.durationMs / 1000).toFixed(1)} s: ` +
        (outcome.violations.length === 0 ? 'ok' : `${outcome.violations.length} violation(s) of ${[...new Set(outcome.violations.map((v) => v.invariant))].join(', ')}`),
    );
    if (opts.verbose) opts.log(`  ${outcome.program}\n${outcome.trace}`);
    if (outcome.violations.length === 0) return;
    // The whole trace of every failing program, verbose or not: a failure that does not replay is read from here.
    const traceFile = join(TRACE_DIR, `${outcome.prefix}.txt`);
    mkdirSync(TRACE_DIR, { recursive: true });
    writeFileSync(traceFile, `${outcome.program}\n\n${describeViolations(outcome.violations)}\n\n${outcome.trace}\n`);
    opts.log(`  trace: ${traceFile}`);
    if (!shrinking && (!opts.only || outcome.violations.some((v) => opts.only!.includes(v.invariant)))) {
      summary.failedPrograms++;
      const byName = new Map<InvariantName, Violation[]>();
      for (const v of outcome.violations) byName.set(v.invariant, [...(byName.get(v.invariant) ?? []), v]);
      for (const [name, vs] of byName) tally(summary, name, 1, generated, pathOf(generated), `${vs[0].subject}: ${vs[0].detail}\n    program:\n      ${outcome.program.replace(/\n {2}/g, '\n      ')}`);
    }
    if (opts.survey) {
      opts.log(describeViolations(outcome.violations));
      return;
    }
    // With --only, other invariants are reported and tallied but neither fail the program nor steer the shrink.
    const failing = opts.only ? outcome.violations.filter((v) => opts.only!.includes(v.invariant)) : outcome.violations;
    if (failing.length === 0) return;
    firstFailureAt ??= Date.now();
    lastFailure = { ...outcome, violations: failing };
    throw new ChaosViolations(outcome, failing);
  });

  const details = await fc.check(property, {
    seed,
    numRuns: opts.runs,
    ...(opts.path ? { path: opts.path } : {}),
    endOnFailure: !opts.shrink,
    includeErrorInReport: true,
  });
  if (details.failed) {
    const replayPath = /replayPath="([^"]*)"/.exec(String(details.counterexample?.[0]?.[1] ?? ''))?.[1];
    const replay = `--seed ${seed} --path ${details.counterexamplePath}${replayPath ? ` --replay-path ${replayPath}` : ''} --runs 1 --no-shrink`;
    summary.failure = [
      lastFailure
        ? `shrunk program (${lastFailure.prefix}):\n  ${lastFailure.program}\nbroke:\n${describeViolations(lastFailure.violations)}`
        : fc.defaultReportMessage(details),
      `replay: npm run test:chaos -- ${replay}`,
      `    or: CHAOS_SEED=${seed} CHAOS_PATH=${details.counterexamplePath}${replayPath ? ` CHAOS_REPLAY_PATH=${replayPath}` : ''} CHAOS_RUNS=1 CHAOS_SHRINK=0 npx jest test/chaos/chaos.test.ts`,
      `(fast-check: ${details.numRuns} program(s), shrunk ${details.numShrinks} time(s))`,
    ].join('\n');
  }
  return summary;
}

function tally(summary: ChaosSummary, name: InvariantName | 'harness-error', programs: number, first: number, path: string, example: string): void {
  const t = summary.byInvariant[name];
  if (t) t.programs += programs;
  else summary.byInvariant[name] = { programs, firstProgram: first, firstPath: path, example };
}

export function formatSummary(s: ChaosSummary): string {
  const times = [...s.programTimesMs].sort((a, b) => a - b);
  const pct = (p: number) => (times.length ? `${(times[Math.min(times.length - 1, Math.floor(p * times.length))] / 1000).toFixed(1)} s` : '-');
  const lines = [
    `[chaos] summary (seed ${s.seed})`,
    `  programs: ${s.programs} generated${s.shrinkRuns ? `, ${s.shrinkRuns} shrink runs` : ''}; ${s.failedPrograms} failed`,
    `  actions executed: ${s.actions}`,
    `  per action: ${Object.entries(s.perAction)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `  time per program: median ${pct(0.5)}, p90 ${pct(0.9)}, max ${pct(1)}`,
  ];
  const broken = Object.entries(s.byInvariant);
  if (broken.length === 0) lines.push('  invariants: all held');
  for (const [name, t] of broken) {
    lines.push(`  broken: ${name} in ${t.programs} program(s), first in program ${t.firstProgram} (--seed ${s.seed} --path ${t.firstPath})`);
    lines.push(`    e.g. ${t.example}`);
  }
  return lines.join('\n');
}
