/**
 * `npm run test:chaos -- --runs N --seed S [--path P [--replay-path R]] [--no-shrink] [--shrink-ms MS] [--survey] [--only INVARIANT,...] [--verbose] [--summary FILE]`:
 * more chaos programs than `npm test` runs, on a stack of its own (a fresh in-memory Temporal dev server unless
 * --temporal names one). Prints one line per program and a summary; exits 1 when a program broke an invariant.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ensureTools, PROJECT_ROOT } from '../../tooling/bootstrap-tools';
import { freePort } from '../../tooling/processes';
import { startTemporalDevServer, type RunningDevServer } from '../../tooling/temporal-dev-server';
import { INVARIANTS } from './invariants';
import { formatSummary, runChaos } from './runner';
import { startChaosStack, type ChaosStack } from './stack';

const ArgsSchema = z
  .object({
    runs: z.coerce.number().int().min(1).max(100_000).default(20),
    seed: z.coerce.number().int().optional(),
    path: z.string().regex(/^\d+(:\d+)*$/, 'a fast-check path like 3:1:0').optional(),
    'replay-path': z.string().regex(/^[A-Za-z0-9+/=:]+$/, "the replayPath fast-check printed").optional(),
    'no-shrink': z.boolean().default(false),
    'shrink-ms': z.coerce.number().int().min(0).default(300_000),
    survey: z.boolean().default(false),
    only: z
      .string()
      .transform((v) => v.split(','))
      .pipe(z.array(z.enum(INVARIANTS)))
      .optional(),
    verbose: z.boolean().default(false),
    steps: z.coerce.number().int().min(1).max(100).optional(),
    temporal: z.string().regex(/^[\w.-]+:\d{1,5}$/, 'host:port').optional(),
    summary: z.string().min(1).optional(),
  })
  .strict();

function parseCommandLine(argv: string[]): z.infer<typeof ArgsSchema> {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      seed: { type: 'string' },
      path: { type: 'string' },
      'replay-path': { type: 'string' },
      'no-shrink': { type: 'boolean' },
      'shrink-ms': { type: 'string' },
      survey: { type: 'boolean' },
      only: { type: 'string' },
      verbose: { type: 'boolean' },
      steps: { type: 'string' },
      temporal: { type: 'string' },
      summary: { type: 'string' },
    },
    strict: true,
  });
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  return parsed.data;
}

async function main(): Promise<number> {
  const args = parseCommandLine(process.argv.slice(2));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const tools = ensureTools();
  let server: RunningDevServer | undefined;
  let stack: ChaosStack | undefined;
  const stopAll = async () => {
    await stack?.stop();
    await server?.process.stop();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const bundlePath = path.join(PROJECT_ROOT, '.data', 'chaos', 'workflow-bundle.js');
    const [address, bundle] = await Promise.all([
      args.temporal
        ? Promise.resolve(args.temporal)
        : (async () => {
            server = await startTemporalDevServer({ temporalCli: tools.temporal, port: await freePort(), uiPort: await freePort() });
            return server.address;
          })(),
      bundleWorkflowCode({ workflowsPath: path.join(PROJECT_ROOT, 'workflows'), logger: quietLogger }),
    ]);
    mkdirSync(path.dirname(bundlePath), { recursive: true });
    writeFileSync(bundlePath, bundle.code);
    stack = await startChaosStack({ temporalAddress: address, motoServerBin: tools.motoServer, workflowBundlePath: bundlePath });
    const summary = await runChaos(stack, {
      runs: args.runs,
      seed: args.seed,
      path: args.path,
      replayPath: args['replay-path'],
      shrink: !args['no-shrink'],
      shrinkBudgetMs: args['shrink-ms'],
      survey: args.survey,
      only: args.only,
      verbose: args.verbose,
      maxSteps: args.steps,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    if (summary.failure) process.stdout.write(`\n${summary.failure}\n\n`);
    process.stdout.write(`${formatSummary(summary)}\n`);
    if (args.summary) writeFileSync(args.summary, JSON.stringify(summary, null, 2));
    return summary.failedPrograms > 0 ? 1 : 0;
  } finally {
    await stopAll();
  }
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
};

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`chaos: ${err.message}\n`);
    process.exit(2);
  },
);
