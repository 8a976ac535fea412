/**
 * Records workflow histories from real runs for the replay test (test/replay/replay.test.ts): a Temporal dev server
 * and the sandbox from this repository, the worker of the release being recorded (its own checkout, its own
 * node_modules) as a child process, and a plain Temporal client that drives each path (scripts/replay/recorded-paths.ts).
 *
 *   tsx scripts/record-histories.ts --release 2026-11-28.2-bbbe136 --commit bbbe136   # extracts + npm ci the commit
 *   tsx scripts/record-histories.ts --release <name> --checkout <dir>                # a checkout you prepared
 *   tsx scripts/record-histories.ts --release <name>                                 # this repository's code
 *   ... --only defaulted-on,attest                                                   # some paths, merged into the manifest
 *
 * Writes test/replay/histories/<release>/<path>.json, manifest.json and README.md (scripts/replay/fixtures.ts).
 */
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../contract/task-queues';
import { startSandbox } from '../sandbox';
import { ensureTools, PROJECT_ROOT } from '../tooling/bootstrap-tools';
import { freePort } from '../tooling/processes';
import { inspectCheckout, prepareCheckout, recorderCommit, type Checkout } from './replay/checkout';
import { HISTORIES_DIR, readManifest, ReleaseNameSchema, type FixtureEntry, type ReleaseManifest } from './replay/fixtures';
import { FORCED_CREATE_FAILURES, RECORDED_PATHS } from './replay/recorded-paths';
import { type RecordedRun, type RecordingContext } from './replay/recording-context';
import { startReleaseWorker } from './replay/release-worker';
import { writeReleaseReadme } from './replay/release-readme';
import { startTemporalDevServer } from '../tooling/temporal-dev-server';

/** AWS time runs 10x faster in the sandbox: a creation takes 0.3 s, deadlines of seconds are enough. */
const SANDBOX_TIME_SCALE = 10;
/**
 * The server suggests continue-as-new (WorkflowTaskStarted's suggestContinueAsNew, which the coordinator follows) after
 * this many events instead of 4,096: the coordinator's continue-as-new then fits a fixture of a few hundred events.
 */
const SUGGEST_CONTINUE_AS_NEW_AFTER_EVENTS = 300;

const PATH_NAMES = RECORDED_PATHS.map((p) => p.name);

const ArgsSchema = z
  .object({
    release: ReleaseNameSchema,
    checkout: z.string().min(1).optional(),
    commit: z.string().regex(/^[0-9a-f]{7,40}$/, '--commit takes a commit id (7 to 40 hex digits)').optional(),
    only: z
      .string()
      .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
      .pipe(z.array(z.enum(PATH_NAMES as [string, ...string[]], { message: `paths are ${PATH_NAMES.join(', ')}` })).min(1))
      .optional(),
  })
  .refine((a) => !(a.checkout && a.commit), { message: '--checkout and --commit exclude each other', path: ['commit'] });

function parseCommandLine(argv: string[]): z.infer<typeof ArgsSchema> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { release: { type: 'string' }, checkout: { type: 'string' }, commit: { type: 'string' }, only: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    throw new Error(`${(err as Error).message}\nusage: tsx scripts/record-histories.ts --release <date>.<n>-<commit> [--commit <sha> | --checkout <dir>] [--only <path,...>]`, { cause: err });
  }
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.') || 'arguments'}: ${i.message}`).join('\n'));
  return parsed.data;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2));
  const checkout: Checkout = args.commit ? prepareCheckout(args.commit, log) : inspectCheckout(args.checkout ?? PROJECT_ROOT);
  const shortCommit = args.release.slice(args.release.lastIndexOf('-') + 1);
  if (!checkout.commit.startsWith(shortCommit)) {
    throw new Error(`release ${args.release} names commit ${shortCommit}, but the checkout holds ${checkout.commit.slice(0, 12)}`);
  }
  const chosen = RECORDED_PATHS.filter((p) => !args.only || args.only.includes(p.name));
  const skipped = chosen.flatMap((p) => {
    const reason = p.unavailable?.(checkout);
    return reason ? [{ path: p.name, reason }] : [];
  });
  const toRecord = chosen.filter((p) => !skipped.some((s) => s.path === p.name));
  log(`[record] release ${args.release} (${checkout.commit.slice(0, 7)} ${checkout.subject.slice(0, 60)}...)`);
  for (const s of skipped) log(`[record] skipping ${s.path}: ${s.reason}`);

  const started = Date.now();
  const tools = ensureTools(log);
  const temporalCliVersion = execFileSync(tools.temporal, ['--version'], { encoding: 'utf8' }).trim();
  const [port, uiPort] = [await freePort(), await freePort()];
  const server = await startTemporalDevServer({
    temporalCli: tools.temporal,
    port,
    uiPort,
    dynamicConfig: [`limit.historyCount.suggestContinueAsNew=${SUGGEST_CONTINUE_AS_NEW_AFTER_EVENTS}`],
  });
  const cleanup: (() => Promise<void>)[] = [() => server.process.stop()];
  try {
    const sandbox = await startSandbox({
      motoServerBin: tools.motoServer,
      settings: { timeScale: SANDBOX_TIME_SCALE, forcedCreateFailures: FORCED_CREATE_FAILURES },
    });
    cleanup.unshift(() => sandbox.stop());
    const connection = await Connection.connect({ address: server.address });
    cleanup.unshift(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const taskQueue = DEFAULT_TASK_QUEUE;
    const worker = await startReleaseWorker({ checkout, temporalAddress: server.address, taskQueue, sandbox, log });
    cleanup.unshift(() => worker.stop());
    log(`[record] dev server, sandbox and the release's worker up in ${seconds(Date.now() - started)}`);

    const ctx: RecordingContext = { client, taskQueue, sandbox, checkout, log };
    const recorded: { path: string; runs: RecordedRun[] }[] = [];
    const pathsStarted = Date.now();
    for (const p of toRecord) {
      const t0 = Date.now();
      recorded.push({ path: p.name, runs: await p.record(ctx) });
      log(`[record] ${p.name}: ${seconds(Date.now() - t0)}`);
    }
    const pathsMs = Date.now() - pathsStarted;

    const entries: { entry: FixtureEntry; json: string }[] = [];
    for (const { path: pathName, runs } of recorded) {
      for (const r of runs) entries.push(await exportRun(client, pathName, r));
    }
    writeRelease(args.release, checkout, entries, skipped, { temporalCliVersion, replaceAll: !args.only });
    log(
      `[record] ${entries.length} fixture(s) written to ${path.relative(PROJECT_ROOT, path.join(HISTORIES_DIR, args.release))}; ` +
        `paths ${seconds(pathsMs)}, total ${seconds(Date.now() - started)} (checkout preparation not included)`,
    );
  } finally {
    for (const stop of cleanup) await stop().catch((err: Error) => log(`[record] cleanup: ${err.message}`));
  }
}

async function exportRun(client: Client, pathName: string, run: RecordedRun): Promise<{ entry: FixtureEntry; json: string }> {
  const handle = client.workflow.getHandle(run.workflowId, run.runId);
  const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
  const events = history.events?.length ?? 0;
  return {
    entry: {
      file: run.file,
      path: pathName,
      workflowType: description.type,
      workflowId: run.workflowId,
      runId: run.runId,
      status: description.status.name,
      outcome: run.outcome,
      events,
    },
    json: `${historyToJSON(history)}\n`,
  };
}

function writeRelease(
  release: string,
  checkout: Checkout,
  entries: { entry: FixtureEntry; json: string }[],
  skipped: ReleaseManifest['skipped'],
  opts: { temporalCliVersion: string; replaceAll: boolean },
): void {
  const folder = path.join(HISTORIES_DIR, release);
  mkdirSync(folder, { recursive: true });
  // --only merges into what an earlier recording of the same commit wrote; a full recording replaces it.
  const earlier = !opts.replaceAll && existsSync(path.join(folder, 'manifest.json')) ? readManifest(folder) : undefined;
  if (earlier && earlier.commit !== checkout.commit) throw new Error(`${folder} holds fixtures of ${earlier.commit}, not ${checkout.commit}`);
  const fresh = new Set(entries.map((e) => e.entry.path));
  const manifest: ReleaseManifest = {
    release,
    commit: checkout.commit,
    subject: checkout.subject,
    recordedAt: new Date().toISOString(),
    recorder: {
      commit: recorderCommit(),
      temporalCli: opts.temporalCliVersion,
      sandboxTimeScale: SANDBOX_TIME_SCALE,
      suggestContinueAsNewAfterEvents: SUGGEST_CONTINUE_AS_NEW_AFTER_EVENTS,
    },
    fixtures: [...(earlier?.fixtures.filter((f) => !fresh.has(f.path)) ?? []), ...entries.map((e) => e.entry)].sort((a, b) =>
      a.file.localeCompare(b.file),
    ),
    skipped: [...(earlier?.skipped.filter((s) => !skipped.some((n) => n.path === s.path) && !fresh.has(s.path)) ?? []), ...skipped],
  };
  if (opts.replaceAll) {
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.json'))) rmSync(path.join(folder, file));
  }
  for (const { entry, json } of entries) writeFileSync(path.join(folder, entry.file), json);
  writeFileSync(path.join(folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeReleaseReadme(folder, manifest);
}

main().catch((err: Error) => {
  process.stderr.write(`record-histories: ${err.message}\n`);
  process.exit(1);
});
