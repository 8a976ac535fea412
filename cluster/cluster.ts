/**
 * The team deployment (docker-compose.yml) as native processes on this machine: PostgreSQL, the schema job, the
 * Temporal server with deploy/temporal/dynamicconfig.yaml, the namespace and search attributes, the Web UI, the AWS
 * sandbox (in place of AWS), and N workers and M request APIs as compiled JavaScript on the pinned Node.js.
 * Used by `npm run cluster` (cluster/main.ts), test/cluster/ and the bench's `cluster` scenario.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { localDecisionKeys } from '../scripts/local-decision-keys';
import { DEFAULT_TASK_QUEUE } from '../contract/task-queues';
import { sandboxWorkerEnv, startSandbox, type RunningSandbox, type SandboxSettingsPatch } from '../sandbox';
import { ensureTools, PROJECT_ROOT } from '../tooling/bootstrap-tools';
import { waitForPort, type ManagedProcess } from '../tooling/processes';
import { checkTemporalPorts } from './ports';
import { startPostgres, type RunningPostgres } from './postgres';
import {
  apiServiceEnv,
  namespaceSetupEnv,
  schemaEnv,
  temporalClientEnv,
  temporalServerEnv,
  uiEnv,
  workerServiceEnv,
  type TemporalPorts,
} from './services';
import { supervise, type SupervisedProcess } from './supervised';
import { registerNamespace, setupSchema, startUiServer, temporalServer, type TemporalServer } from './temporal';
import { ensureNode, ensureTemporalBinaries } from './toolchain';
import { NAMESPACE_RETENTION_DAYS } from './versions';
import { WORKER_NODE_FLAGS } from '../worker/node-flags';

export interface ClusterPorts {
  postgres: number;
  temporal: TemporalPorts;
  ui: number;
  sandbox: number;
  /** One per API process. */
  apis: number[];
  /** One per worker process: its Prometheus endpoint. */
  workerMetrics: number[];
}

export interface ClusterOptions {
  /** Where PostgreSQL's data, the UI config and the workflow bundle live (kept across starts). */
  dataDir: string;
  ports: ClusterPorts;
  namespace?: string;
  taskQueue?: string;
  postgresUser?: string;
  postgresPassword?: string;
  sandbox?: SandboxSettingsPatch;
  /** Extra env for the workers and APIs (e.g. VEND_POLICY, LOG_LEVEL). */
  appEnv?: Record<string, string>;
  /** Temporal server log level (default warn). */
  temporalLogLevel?: string;
  log?: (line: string) => void;
  /** Output lines of the services, prefixed with the service name; default: dropped. */
  onServiceLine?: (service: string, line: string) => void;
}

export interface RunningCluster {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string;
  apiUrls: string[];
  workerMetricsUrls: string[];
  postgres: RunningPostgres;
  temporal: TemporalServer;
  sandbox: RunningSandbox;
  workers: SupervisedProcess[];
  apis: SupervisedProcess[];
  node: string;
  /**
   * Starts one more worker, as the others but with the workflow bundle at `bundlePath` (another build: a rolling
   * deploy's new workers beside the old). It is stopped with the cluster.
   */
  startWorker(name: string, bundlePath: string, metricsPort: number): Promise<SupervisedProcess>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/** `tsc -p tsconfig.build.json`: the workers and APIs run the emitted JavaScript in dist/. */
export function buildDist(): Promise<void> {
  return run(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], 'compiling to dist/ (tsc -p tsconfig.build.json)');
}

/** The workflow bundle the workers load (VEND_WORKFLOW_BUNDLE), as the image prebuilds it. */
export function bundleWorkflows(out: string): Promise<void> {
  return run(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(PROJECT_ROOT, 'tooling', 'bundle-workflows.ts'), out], 'bundling the workflow code');
}

function run(command: string, args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: PROJECT_ROOT, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${what} failed:\n${`${stdout}\n${stderr}`.trim()}`)) : resolve(),
    );
  });
}

/** The environment a compiled worker or API starts with: ours, without the parent's loaders or test settings. */
function appProcessEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  const log = opts.log ?? (() => undefined);
  const line = (service: string) => (l: string) => opts.onServiceLine?.(service, l);
  const namespace = opts.namespace ?? 'default';
  const taskQueue = opts.taskQueue ?? DEFAULT_TASK_QUEUE;
  const pgUser = opts.postgresUser ?? 'temporal';
  const pgPassword = opts.postgresPassword ?? 'temporal';
  mkdirSync(opts.dataDir, { recursive: true });
  const bundlePath = path.join(opts.dataDir, 'workflow-bundle.js');

  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  checkTemporalPorts(opts.ports.temporal, 'ports.temporal');
  // The JavaScript the workers and APIs run, while the servers start.
  const compiled = Promise.all([buildDist(), bundleWorkflows(bundlePath)]);
  compiled.catch(() => undefined);
  try {
    const [bins, node] = [await ensureTemporalBinaries(log), await ensureNode(log)];
    const tools = ensureTools(log);

    const postgres = await startPostgres(
      { dataDir: path.join(opts.dataDir, 'postgres'), port: opts.ports.postgres, user: pgUser, password: pgPassword, onLine: line('postgres') },
      log,
    );
    stops.push(() => postgres.stop());
    log(`[cluster] PostgreSQL ${postgres.version.replace(/^postgres \(PostgreSQL\) /, '')} on ${HOST}:${opts.ports.postgres}`);
    const pg = { host: HOST, port: opts.ports.postgres, user: pgUser, password: pgPassword };
    await setupSchema(bins, schemaEnv(pg), log);

    const temporal = temporalServer({
      bins,
      env: temporalServerEnv(pg, HOST, opts.ports.temporal, opts.temporalLogLevel),
      host: HOST,
      port: opts.ports.temporal.frontendGrpc,
      onLine: line('temporal'),
    });
    await temporal.start();
    stops.push(() => temporal.stop());
    await registerNamespace(temporal.address, namespace, NAMESPACE_RETENTION_DAYS, log);

    const ui: ManagedProcess = await startUiServer({
      bins,
      configDir: path.join(opts.dataDir, 'ui'),
      env: uiEnv(temporal.address, namespace, opts.ports.ui),
      host: HOST,
      port: opts.ports.ui,
      onLine: line('temporal-ui'),
    });
    stops.push(() => ui.stop());

    const sandbox = await startSandbox({ port: opts.ports.sandbox, motoServerBin: tools.motoServer, settings: opts.sandbox, log: (l) => line('sandbox')(l.replace(/^\[sandbox\] /, '')) });
    stops.push(() => sandbox.stop());

    await compiled;
    const common = temporalClientEnv(temporal.address, namespace, taskQueue);
    const superviseWorker = (name: string, workerBundlePath: string, metricsPort: number) =>
      supervise({
        name,
        command: node,
        args: [...WORKER_NODE_FLAGS, path.join(PROJECT_ROOT, 'dist', 'worker', 'main.js')],
        env: appProcessEnv({
          ...workerServiceEnv({ temporal: common, aws: sandboxWorkerEnv(sandbox), bundlePath: workerBundlePath, metricsAddress: `${HOST}:${metricsPort}` }),
          ...opts.appEnv,
        }),
        isReadyLine: (l) => l.includes('"worker running"'),
        onLine: line(name),
        onUnexpectedExit: (code) => log(`[cluster] ${name} exited (code ${code}); starting it again`),
      });
    const workers = opts.ports.workerMetrics.map((metricsPort, i) => superviseWorker(`worker-${i + 1}`, bundlePath, metricsPort));
    const apis = opts.ports.apis.map((port, i) => {
      const name = `api-${i + 1}`;
      return supervise({
        name,
        command: node,
        args: [path.join(PROJECT_ROOT, 'dist', 'client', 'api', 'main.js')],
        env: appProcessEnv({ ...apiServiceEnv({ temporal: common, host: HOST, port, decisionKeys: localDecisionKeys(opts.dataDir) }), ...opts.appEnv }),
        isReadyLine: (l) => l.includes('Server listening'),
        onLine: line(name),
        onUnexpectedExit: (code) => log(`[cluster] ${name} exited (code ${code}); starting it again`),
      });
    });
    for (const p of [...workers, ...apis]) stops.push(() => p.stop());
    await Promise.all([...workers, ...apis].map((p) => p.ready()));
    await Promise.all(opts.ports.apis.map((port) => waitForPort(port, HOST, 10_000)));
    // Ready as a load balancer sees it: Temporal reachable and the organization's OUs published by a worker.
    await Promise.all(opts.ports.apis.map((port) => waitForReady(`http://${HOST}:${port}/readyz`, 180_000)));

    return {
      temporalAddress: temporal.address,
      namespace,
      taskQueue,
      uiUrl: `http://${HOST}:${opts.ports.ui}`,
      apiUrls: opts.ports.apis.map((p) => `http://${HOST}:${p}`),
      workerMetricsUrls: opts.ports.workerMetrics.map((p) => `http://${HOST}:${p}/metrics`),
      postgres,
      temporal,
      sandbox,
      workers,
      apis,
      node,
      startWorker: async (name, workerBundlePath, metricsPort) => {
        const worker = superviseWorker(name, workerBundlePath, metricsPort);
        stops.push(() => worker.stop());
        await worker.ready();
        return worker;
      },
      stop,
    };
  } catch (err) {
    await stop();
    // Leave no compiler running behind a failed start.
    await compiled.catch(() => undefined);
    throw err;
  }
}

/** The compose setup job's environment for this cluster (for running deploy/temporal/setup-namespace.sh against it). */
export function namespaceSetupEnvFor(cluster: RunningCluster): Record<string, string> {
  return namespaceSetupEnv(cluster.temporalAddress, cluster.namespace);
}

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} not ready within ${timeoutMs / 1000} s: ${last}`);
}
