/**
 * Random concurrent programs with faults against the real stack (Temporal dev server, sandbox, the worker as a
 * killable process, the HTTP API), then the product's invariants (test/chaos/invariants.ts). A bounded number of
 * programs (CHAOS_RUNS, default 3) from a printed seed (CHAOS_SEED to replay; CHAOS_PATH to start at a program); a
 * failing program is shrunk within CHAOS_SHRINK_MS (default 90 s; CHAOS_SHRINK=0 turns shrinking off);
 * CHAOS_ONLY=invariant,... lets only those fail the test.
 * More programs: `npm run test:chaos -- --runs N --seed S [--path P]`.
 */
import { z } from 'zod';
import { WORKFLOW_BUNDLE_PATH } from '../support/paths';
import { INVARIANTS } from './invariants';
import { formatSummary, runChaos } from './runner';
import { startChaosStack, type ChaosStack } from './stack';

const settings = z
  .object({
    CHAOS_RUNS: z.coerce.number().int().min(1).max(10_000).default(3),
    CHAOS_SEED: z.coerce.number().int().optional(),
    CHAOS_PATH: z.string().regex(/^\d+(:\d+)*$/, 'a fast-check path like 3:1:0').optional(),
    CHAOS_REPLAY_PATH: z.string().regex(/^[A-Za-z0-9+/=:]+$/, 'the replayPath fast-check printed').optional(),
    CHAOS_SHRINK: z.enum(['0', '1']).default('1'),
    CHAOS_SHRINK_MS: z.coerce.number().int().min(0).default(90_000),
    CHAOS_ONLY: z
      .string()
      .transform((v) => v.split(','))
      .pipe(z.array(z.enum(INVARIANTS)))
      .optional(),
  })
  .parse(process.env);

/** A program takes 10-20 s on a quiet machine and up to about 2 minutes at load 14 (a hang bound, not a speed limit). */
const PROGRAM_BUDGET_MS = 120_000;

let stack: ChaosStack | undefined;
beforeAll(async () => {
  stack = await startChaosStack({
    temporalAddress: process.env.VEND_TEST_TEMPORAL_ADDRESS!,
    motoServerBin: process.env.VEND_TEST_MOTO_SERVER!,
    workflowBundlePath: WORKFLOW_BUNDLE_PATH,
  });
});
afterAll(async () => stack?.stop(), 60_000);

test(
  'random concurrent programs with faults keep every promise: one account per request, four eyes, the root window closed, no 5xx',
  async () => {
    const summary = await runChaos(stack!, {
      runs: settings.CHAOS_RUNS,
      seed: settings.CHAOS_SEED,
      path: settings.CHAOS_PATH,
      replayPath: settings.CHAOS_REPLAY_PATH,
      shrink: settings.CHAOS_SHRINK === '1',
      shrinkBudgetMs: settings.CHAOS_SHRINK_MS,
      only: settings.CHAOS_ONLY,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stderr.write(`${formatSummary(summary)}\n`);
    if (summary.failure) throw new Error(`chaos: a program broke an invariant\n${summary.failure}`);
    // Not vacuous: the programs ran (a replay from CHAOS_PATH may run on past the replayed one).
    if (settings.CHAOS_PATH) expect(summary.programs).toBeGreaterThan(0);
    else expect(summary.programs).toBe(settings.CHAOS_RUNS);
  },
  settings.CHAOS_RUNS * PROGRAM_BUDGET_MS + settings.CHAOS_SHRINK_MS + 2 * PROGRAM_BUDGET_MS,
);
