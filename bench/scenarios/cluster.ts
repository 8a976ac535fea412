/**
 * cluster: the same N requests (at once, AWS's quotas, time-scaled) on two topologies in one run, one after the
 * other: one worker process on the dev server (SQLite in memory, what `npm start` runs), then the native team
 * deployment (`npm run cluster`: two worker processes on Temporal 1.32 with PostgreSQL). Both run the compiled
 * worker on the pinned Node.js, so only the topology differs.
 */
import { VendingClient } from '../../client/temporal';
import { Connection } from '@temporalio/client';
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDist, startCluster } from '../../cluster/cluster';
import { freeTemporalPorts } from '../../cluster/ports';
import { ensureNode } from '../../cluster/toolchain';
import { startVending } from '../../client/temporal';
import { type VendingResult } from '../../contract/vending';
import { type RunningSandbox, type SandboxSettingsPatch } from '../../sandbox';
import { PROJECT_ROOT } from '../../tooling/bootstrap-tools';
import { freePort, spawnManaged } from '../../tooling/processes';
import { quotaFloor } from '../floor';
import { BENCH_DECISION_KEYS, envInt, round, sandboxState, scaledPolicy, startBenchEnv, type BenchStack } from '../lib';

const AWS = { creationMs: 60_000, readyDelayMs: 10_000, creationPollMs: 3_000, readinessPollMs: 2_000 };

interface TopologyResult {
  workers: number;
  persistence: string;
  achievedSeconds: number;
  efficiency: number;
  failed: number;
  duplicates: number;
  peakInFlight: number;
  realSeconds: number;
}

/** N requests at once through `client`; AWS seconds until the last one is done, and what the sandbox saw. */
async function drive(client: VendingClient, sandbox: RunningSandbox, taskQueue: string, n: number, timeScale: number, floorMs: number, tag: string) {
  const policy = scaledPolicy(timeScale, AWS);
  const emails = Array.from({ length: n }, (_, i) => `${tag}-${i}-${Date.now()}@example.com`);
  const t0 = performance.now();
  const handles = await Promise.all(
    emails.map(async (email) => {
      const out = await startVending(client, {
        decisionKeys: BENCH_DECISION_KEYS,
        request: { email, accountName: email.split('@')[0], organizationalUnit: 'Workloads' },
        requester: 'bench',
        requesterRoles: ['requester'],
        policy,
        taskQueue,
      });
      return client.workflow.getHandle(out.id);
    }),
  );
  const results = await Promise.all(handles.map((h) => h.result().then((r: VendingResult) => r, (e: Error) => e)));
  const real = performance.now() - t0;
  const state = await sandboxState(sandbox);
  const byEmail = new Map<string, number>();
  for (const a of state.accounts as { email: string }[]) byEmail.set(a.email, (byEmail.get(a.email) ?? 0) + 1);
  return {
    achievedSeconds: round((real * timeScale) / 1000),
    efficiency: round(floorMs / (real * timeScale), 3),
    failed: results.filter((r) => r instanceof Error || r.stage !== 'completed').length,
    duplicates: emails.reduce((d, e) => d + Math.max(0, (byEmail.get(e) ?? 0) - 1), 0),
    peakInFlight: state.peakCreateAccountsInProgress as number,
    realSeconds: round(real / 1000),
  };
}

export async function runCluster(stack: BenchStack, log: (line: string) => void) {
  const n = envInt('BENCH_CLUSTER_ACCOUNTS', 50);
  const timeScale = envInt('BENCH_CLUSTER_TIME_SCALE', 10);
  const settings: SandboxSettingsPatch = {
    timeScale,
    createAccountDurationMs: AWS.creationMs,
    accountReadyDelayMs: AWS.readyDelayMs,
    throttling: true,
    linkedAccountAccess: true,
    // Only the workers' coordination keeps creations at 5: the sandbox would take more.
    maxCreateAccountsInProgress: 100,
  };
  const floor = quotaFloor({ accounts: n, creationMs: AWS.creationMs, createRatePerSecond: 0.1, createBurst: 3, maxInFlight: 5, readyDelayMs: AWS.readyDelayMs });
  const node = await ensureNode(log);
  await buildDist();

  // ---- one compiled worker on the dev server ----
  log(`[cluster] ${n} requests at time scale ${timeScale}: one worker on the dev server (floor ${round(floor.floorMs / 1000)} s AWS time)`);
  const env = await startBenchEnv(stack, { sandbox: settings, worker: false });
  let dev: TopologyResult;
  try {
    const worker = spawnManaged('bench-worker', node, [path.join(PROJECT_ROOT, 'dist', 'worker', 'main.js')], {
      env: { ...env.workerEnv, VEND_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`, NODE_OPTIONS: '' },
    });
    try {
      dev = { workers: 1, persistence: 'dev server (SQLite in memory)', ...(await drive(stack.client, env.sandbox, env.taskQueue, n, timeScale, floor.floorMs, 'dev')) };
    } finally {
      await worker.stop();
    }
  } finally {
    await env.stop();
  }
  log(`[cluster] dev server, 1 worker: ${dev.achievedSeconds} s AWS time, efficiency ${dev.efficiency}, failed ${dev.failed}`);

  // ---- the native team deployment: two workers, PostgreSQL ----
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vend-bench-cluster-'));
  chmodSync(dataDir, 0o755);
  const startedAt = performance.now();
  const cluster = await startCluster({
    dataDir,
    ports: {
      postgres: await freePort(),
      temporal: await freeTemporalPorts(),
      ui: await freePort(),
      sandbox: await freePort(),
      apis: [await freePort()],
      workerMetrics: [await freePort(), await freePort()],
    },
    sandbox: settings,
    log,
  });
  const startSeconds = round((performance.now() - startedAt) / 1000);
  let pg: TopologyResult;
  try {
    const connection = await Connection.connect({ address: cluster.temporalAddress });
    try {
      const client = new VendingClient(connection, cluster.namespace);
      pg = { workers: 2, persistence: 'Temporal 1.32 on PostgreSQL', ...(await drive(client, cluster.sandbox, cluster.taskQueue, n, timeScale, floor.floorMs, 'pg')) };
    } finally {
      await connection.close();
    }
  } finally {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  log(`[cluster] PostgreSQL, 2 workers: ${pg.achievedSeconds} s AWS time, efficiency ${pg.efficiency}, failed ${pg.failed}`);

  return {
    accounts: n,
    timeScale,
    floorSeconds: round(floor.floorMs / 1000),
    devServer: dev,
    postgres: pg,
    /** PostgreSQL with two workers vs the dev server with one: > 1 is faster. */
    speedupVsDevServer: round(dev.achievedSeconds / pg.achievedSeconds, 3),
    /** Real seconds from startCluster() to all services up (toolchain already built). */
    clusterStartSeconds: startSeconds,
  };
}
