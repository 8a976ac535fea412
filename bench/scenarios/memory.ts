/**
 * memory: the worker process's resident memory with 1,000 workflows parked at `awaiting-decision` (linked-account
 * access off in the sandbox), beside the same worker idle. The worker runs as `npm run worker` does
 * (node_modules/.bin/tsx worker/main.ts): tsx starts a launcher process that runs the worker in a child node process,
 * so the worker's own RSS and the launcher's are reported apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startVending } from '../../client/temporal';
import { spawnManaged } from '../../tooling/processes';
import { BENCH_DECISION_KEYS, envInt, pool, round, sleep, startBenchEnv, type BenchStack } from '../lib';

const ROOT = path.resolve(__dirname, '..', '..');

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

/** The worker (the group's largest process: the node running worker/main.ts) and the tsx launcher, RSS in MB. */
function measure(leader: number) {
  const members = groupMembers(leader).map((pid) => ({ pid, mb: rssMb(pid) }));
  const worker = members.filter((m) => m.pid !== leader).sort((a, b) => b.mb - a.mb)[0] ?? { pid: leader, mb: rssMb(leader) };
  return { workerMb: worker.mb, launcherMb: rssMb(leader), treeMb: members.reduce((a, m) => a + m.mb, 0) };
}

export async function runMemory(stack: BenchStack, log: (line: string) => void) {
  const n = envInt('BENCH_MEMORY_WORKFLOWS', 1000);
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
  const running = new Promise<void>((r) => (ready = r));
  const worker = spawnManaged('bench-worker', path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'worker', 'main.ts')], {
    env: { ...env.workerEnv, VEND_MAX_CREATIONS_IN_FLIGHT: '200' },
    onLine: (line) => {
      if (line.includes('worker running')) ready();
      else if (/"level":(50|60)/.test(line)) log(`[memory] worker: ${line.slice(0, 300)}`);
    },
  });
  try {
    await Promise.race([running, worker.exited.then(() => Promise.reject(new Error('the worker exited')))]);
    await sleep(3_000);
    const idle = measure(worker.pid);
    log(`[memory] idle worker ${round(idle.workerMb)} MB (launcher ${round(idle.launcherMb)} MB)`);

    const t0 = Date.now();
    const policy = { creationPollIntervalMs: 50, readinessPollIntervalMs: 50, activityAttemptTimeoutMs: 30_000 };
    await pool(n, 20, async (i) => {
      const email = `mem-${i}-${t0}@example.com`;
      await startVending(stack.client, {
        decisionKeys: BENCH_DECISION_KEYS,
        request: { email, accountName: `mem-${i}`, organizationalUnit: 'Workloads' },
        requester: 'bench',
        requesterRoles: ['requester'],
        policy,
        taskQueue: env.taskQueue,
      });
    });
    const query = `TaskQueue="${env.taskQueue}" AND VendingStage="awaiting-decision" AND ExecutionStatus="Running"`;
    let parked = 0;
    let peak = idle;
    const deadline = Date.now() + envInt('BENCH_MEMORY_TIMEOUT_S', 600) * 1000;
    while (parked < n) {
      if (Date.now() > deadline) throw new Error(`only ${parked} of ${n} workflows reached awaiting-decision in time`);
      await sleep(2_000);
      parked = (await stack.client.workflow.count(query)).count;
      const now = measure(worker.pid);
      if (now.workerMb > peak.workerMb) peak = now;
    }
    const parkSeconds = (Date.now() - t0) / 1000;
    await sleep(5_000);
    const loaded = measure(worker.pid);
    log(`[memory] ${n} parked in ${round(parkSeconds)} s: worker ${round(loaded.workerMb)} MB (peak ${round(peak.workerMb)} MB)`);
    return {
      workflows: n,
      workerRssMb: round(loaded.workerMb),
      idleWorkerRssMb: round(idle.workerMb),
      perWorkflowKb: round(((loaded.workerMb - idle.workerMb) * 1024) / n),
      peakWorkerRssMb: round(peak.workerMb),
      tsxLauncherRssMb: round(loaded.launcherMb),
      processTreeRssMb: round(loaded.treeMb),
      secondsToPark: round(parkSeconds),
    };
  } finally {
    await worker.stop();
    await env.stop();
  }
}
