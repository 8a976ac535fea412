/**
 * memory: the worker process's resident memory with 1,000 workflows parked at `awaiting-decision` (linked-account
 * access off in the sandbox), beside the same worker idle.
 *
 * The worker runs as its own process, by default as it is deployed (compose, `npm run cluster`): the compiled
 * dist/worker/main.js on the pinned Node.js. `BENCH_MEMORY_WORKER=tsx` runs it as `npm run worker` does (tsx starts a
 * launcher process that runs the worker in a child node process); `compiled` runs dist/worker/main.js on the bench's
 * own Node.js. `BENCH_MEMORY_NODE_FLAGS` adds node flags (space-separated) to try; VEND_* settings (e.g.
 * VEND_MAX_CACHED_WORKFLOWS) reach the worker from the bench's environment.
 *
 * A run out of time is not an error: it reports what it measured with `partial` saying why.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { startVending } from '../../client/temporal';
import { buildDist } from '../../cluster/cluster';
import { ensureNode } from '../../cluster/toolchain';
import { spawnManaged } from '../../tooling/processes';
import { WORKER_NODE_FLAGS } from '../../worker/node-flags';
import { BENCH_DECISION_KEYS, envInt, round, sleep, startBenchEnv, type BenchStack } from '../lib';

const ROOT = path.resolve(__dirname, '..', '..');

const RunnerSchema = z.enum(['deployed', 'compiled', 'tsx']);
type Runner = z.infer<typeof RunnerSchema>;

/** Node flags to try, as typed on a command line: `--max-semi-space-size=2 --optimize-for-size`. */
const NodeFlagsSchema = z
  .string()
  .trim()
  .transform((s) => (s === '' ? [] : s.split(/\s+/)))
  .pipe(z.array(z.string().regex(/^--[a-z0-9-]+(=[\w.,/:=-]+)?$/, 'node flags like --max-old-space-size=256')));

function benchSetting<T>(name: string, schema: z.ZodType<T>, fallback: string): T {
  const parsed = schema.safeParse(process.env[name] ?? fallback);
  if (!parsed.success) throw new Error(`${name}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0; // exited meanwhile
  }
}

/** Every process of the worker's process group (spawnManaged starts it as a group leader). */
function groupMembers(leader: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === leader) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * The worker (the group's largest process: the node running the worker's main) and the rest of its group (the
 * watchdog shell spawnManaged wraps every command in, and tsx's launcher when run through tsx), RSS in MB.
 */
function measure(leader: number) {
  const members = groupMembers(leader).map((pid) => ({ pid, mb: rssMb(pid) }));
  const worker = members.filter((m) => m.pid !== leader).sort((a, b) => b.mb - a.mb)[0] ?? { pid: leader, mb: rssMb(leader) };
  const treeMb = members.reduce((a, m) => a + m.mb, 0);
  return { workerMb: worker.mb, othersMb: treeMb - worker.mb };
}

/** The command that starts the worker process, and what it is, for the report. */
async function workerCommand(runner: Runner, flags: string[], log: (line: string) => void) {
  if (runner === 'tsx') {
    // tsx passes node flags on to the node process that runs the script.
    return { command: path.join(ROOT, 'node_modules', '.bin', 'tsx'), args: [...flags, path.join(ROOT, 'worker', 'main.ts')], node: process.version };
  }
  await buildDist();
  const node = runner === 'deployed' ? await ensureNode(log) : process.execPath;
  const version = runner === 'deployed' ? path.basename(path.dirname(path.dirname(node))).replace(/^node-/, '') : process.version;
  return { command: node, args: [...flags, path.join(ROOT, 'dist', 'worker', 'main.js')], node: version };
}

export async function runMemory(stack: BenchStack, log: (line: string) => void) {
  const n = envInt('BENCH_MEMORY_WORKFLOWS', 1000);
  const timeoutS = envInt('BENCH_MEMORY_TIMEOUT_S', 600);
  const settleS = envInt('BENCH_MEMORY_SETTLE_S', 60);
  const runner = benchSetting('BENCH_MEMORY_WORKER', RunnerSchema, 'deployed');
  const extraFlags = benchSetting('BENCH_MEMORY_NODE_FLAGS', NodeFlagsSchema, '');
  // The flags the deployed worker starts with, then the ones tried (a later flag overrides an earlier one).
  const nodeFlags = [...WORKER_NODE_FLAGS, ...extraFlags];
  const cmd = await workerCommand(runner, nodeFlags, log);
  const env = await startBenchEnv(stack, {
    sandbox: {
      timeScale: 100_000,
      createAccountDurationMs: 0,
      accountReadyDelayMs: 0,
      throttling: false,
      linkedAccountAccess: false,
      // Not a throughput run: more slots (sandbox and worker alike) so that 1,000 accounts are created quickly.
      maxCreateAccountsInProgress: 200,
    },
    worker: false,
  });
  let ready!: () => void;
  // What the worker says it runs with (its 'worker running' line), not what the bench meant to give it.
  let cacheSize: unknown;
  const running = new Promise<void>((r) => (ready = r));
  // The flags reach the worker on its command line only: NODE_OPTIONS (tsx's loader in the bench's own) is not passed.
  const workerEnv: NodeJS.ProcessEnv = { ...env.workerEnv, VEND_MAX_CREATIONS_IN_FLIGHT: '200' };
  delete workerEnv.NODE_OPTIONS;
  const worker = spawnManaged('bench-worker', cmd.command, cmd.args, {
    env: workerEnv,
    onLine: (line) => {
      if (line.includes('worker running')) {
        cacheSize = z.object({ maxCachedWorkflows: z.number() }).safeParse(parseJson(line)).data?.maxCachedWorkflows;
        ready();
      } else if (/"level":(50|60)/.test(line) || !/^(\{|Terminated$)/.test(line)) log(`[memory] worker: ${line.slice(0, 300)}`);
    },
  });
  let exitCode: number | null | undefined;
  void worker.exited.then((code) => (exitCode = code));
  const setting = {
    runner,
    node: cmd.node,
    nodeFlags: nodeFlags.join(' '),
    maxCachedWorkflows: 'unknown' as unknown,
  };
  try {
    await Promise.race([running, worker.exited.then((code) => Promise.reject(new Error(`the worker exited (code ${code}) before it ran`)))]);
    setting.maxCachedWorkflows = cacheSize ?? 'not in its log';
    log(`[memory] worker: ${JSON.stringify(setting)}`);
    await sleep(3_000);
    const idle = measure(worker.pid);
    log(`[memory] idle worker ${round(idle.workerMb)} MB`);

    const t0 = Date.now();
    const deadline = t0 + timeoutS * 1000;
    // Why the run stops short of n parked workflows, if it does.
    const shortBy: string[] = [];
    const policy = { creationPollIntervalMs: 50, readinessPollIntervalMs: 50, activityAttemptTimeoutMs: 30_000 };
    let started = 0;
    let next = 0;
    // A start the server refuses or times out on (a busy machine) is counted, not thrown: the others still park.
    const refused: string[] = [];
    await Promise.all(
      Array.from({ length: Math.min(20, n) }, async () => {
        while (next < n && Date.now() < deadline && exitCode === undefined) {
          const i = next++;
          try {
            await startVending(stack.client, {
              decisionKeys: BENCH_DECISION_KEYS,
              request: { email: `mem-${i}-${t0}@example.com`, accountName: `mem-${i}`, organizationalUnit: 'Workloads' },
              requester: 'bench',
              requesterRoles: ['requester'],
              policy,
              taskQueue: env.taskQueue,
            });
            started++;
          } catch (err) {
            refused.push((err as Error).name);
          }
        }
      }),
    );
    if (refused.length) shortBy.push(`${refused.length} of ${n} starts failed (${[...new Set(refused)].join(', ')})`);
    if (started + refused.length < n) shortBy.push(`only ${started + refused.length} of ${n} starts sent within ${timeoutS} s`);

    const query = `TaskQueue="${env.taskQueue}" AND VendingStage="awaiting-decision" AND ExecutionStatus="Running"`;
    // Workflows whose tasks fail (a bug, or a worker setting the workflow code cannot run under) never park: the
    // server marks them, and the run stops early instead of waiting out its time.
    const failingQuery = `TaskQueue="${env.taskQueue}" AND TemporalReportedProblems="category=WorkflowTaskFailed" AND ExecutionStatus="Running"`;
    let parked = 0;
    let failing = 0;
    let peak = idle;
    let last = idle;
    for (let poll = 1; parked < started; poll++) {
      if (poll % 5 === 0) failing = await stack.client.workflow.count(failingQuery).then((c) => c.count, () => failing);
      if (failing > 0 && parked + failing >= started) {
        shortBy.push(`${failing} workflows fail their workflow tasks (TemporalReportedProblems), ${parked} of ${n} parked`);
        break;
      }
      if (exitCode !== undefined) {
        shortBy.push(`the worker exited (code ${exitCode}) with ${parked} of ${n} parked`);
        break;
      }
      if (Date.now() > deadline) {
        shortBy.push(`only ${parked} of ${n} parked within ${timeoutS} s`);
        break;
      }
      await sleep(2_000);
      // A count that times out on a busy machine is tried again on the next round.
      parked = await stack.client.workflow.count(query).then((c) => c.count, () => parked);
      if (exitCode !== undefined) continue;
      last = measure(worker.pid);
      if (last.workerMb > peak.workerMb) peak = last;
    }
    const parkSeconds = (Date.now() - t0) / 1000;
    const partial = shortBy.length ? shortBy.join('; ') : undefined;
    if (!partial) await sleep(5_000);
    // A worker that exited leaves its last measurement.
    const loaded = exitCode === undefined ? measure(worker.pid) : last;
    if (partial) log(`[memory] partial: ${partial}`);
    log(`[memory] ${parked} parked in ${round(parkSeconds)} s: worker ${round(loaded.workerMb)} MB (peak ${round(peak.workerMb)} MB)`);
    // Parked requests wait for days: what the worker holds once the parking burst's garbage is collected matters for
    // sizing. It is reported beside workerRssMb (measured 5 s after the last one parked, the target's figure).
    let settled = loaded;
    if (!partial) {
      for (const end = Date.now() + settleS * 1000; Date.now() < end && exitCode === undefined; ) {
        await sleep(5_000);
        settled = measure(worker.pid);
      }
      log(`[memory] after ${settleS} s more: worker ${round(settled.workerMb)} MB`);
    }
    return {
      ...(partial ? { partial } : {}),
      workflows: n,
      parked,
      ...(failing > 0 ? { failingWorkflows: failing } : {}),
      workerRssMb: round(loaded.workerMb),
      idleWorkerRssMb: round(idle.workerMb),
      perWorkflowKb: parked > 0 ? round(((loaded.workerMb - idle.workerMb) * 1024) / parked) : null,
      peakWorkerRssMb: round(peak.workerMb),
      ...(partial ? {} : { settledWorkerRssMb: round(settled.workerMb), settleSeconds: settleS }),
      otherProcessesRssMb: round(loaded.othersMb),
      secondsToPark: round(parkSeconds),
      worker: setting,
    };
  } finally {
    await worker.stop();
    await env.stop();
  }
}
