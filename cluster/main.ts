/**
 * `npm run cluster`: the team deployment (docker-compose.yml) as native processes, from the same config files:
 * PostgreSQL, Temporal server + schema + namespace, Web UI, the AWS sandbox, two workers and two request APIs on the
 * pinned Node.js. The first run builds the Temporal server into .tools (several minutes); later runs reuse it. Data
 * (PostgreSQL) is kept in VEND_DATA_DIR/cluster across starts. Ctrl-C stops all of it.
 */
import path from 'node:path';
import { z } from 'zod';
import { DEV_TOKENS } from '../client/api/auth';
import { DEFAULT_TASK_QUEUE } from '../contract/task-queues';
import { PROJECT_ROOT } from '../tooling/bootstrap-tools';
import { isPortOpen } from '../tooling/processes';
import { parseConfig } from '../config/parse';
import { startCluster, type ClusterPorts, type RunningCluster } from './cluster';
import { checkTemporalPorts } from './ports';
import { NODE_VERSION, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from './versions';

const port = z.coerce.number().int().min(1).max(65535);
const count = z.coerce.number().int().min(1).max(8);
const ClusterConfigSchema = z.object({
  /** The frontend; the other services take the ports around it, as in the Temporal image (at most 32767). */
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8080),
  SANDBOX_PORT: port.default(4566),
  /** The first API; the others take the next ports. */
  API_PORT: port.default(3000),
  POSTGRES_PORT: port.default(55432),
  POSTGRES_PASSWORD: z.string().min(1).default('temporal'),
  /** The first worker's Prometheus endpoint; the others take the next ports. */
  VEND_METRICS_PORT: port.default(9464),
  VEND_CLUSTER_WORKERS: count.default(2),
  VEND_CLUSTER_APIS: count.default(2),
  VEND_DATA_DIR: z.string().default(path.join(PROJECT_ROOT, '.data')),
  VEND_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
});

const say = (line: string) => process.stdout.write(`${line}\n`);

/** The Temporal image's port layout (frontend 7233, history 7234, matching 7235, worker 7239, membership 6933...), shifted with TEMPORAL_PORT. */
function temporalPorts(frontend: number): ClusterPorts['temporal'] {
  const membership = frontend - 300;
  return {
    frontendGrpc: frontend,
    frontendHttp: frontend + 10,
    frontendMembership: membership,
    historyGrpc: frontend + 1,
    historyMembership: membership + 1,
    matchingGrpc: frontend + 2,
    matchingMembership: membership + 2,
    workerGrpc: frontend + 6,
    workerMembership: membership + 6,
  };
}

async function main(): Promise<void> {
  const config = parseConfig(ClusterConfigSchema, process.env);
  const range = (first: number, n: number) => Array.from({ length: n }, (_, i) => first + i);
  const ports: ClusterPorts = {
    postgres: config.POSTGRES_PORT,
    temporal: temporalPorts(config.TEMPORAL_PORT),
    ui: config.TEMPORAL_UI_PORT,
    sandbox: config.SANDBOX_PORT,
    apis: range(config.API_PORT, config.VEND_CLUSTER_APIS),
    workerMetrics: range(config.VEND_METRICS_PORT, config.VEND_CLUSTER_WORKERS),
  };
  checkTemporalPorts(ports.temporal, 'TEMPORAL_PORT');
  const named: [string, number][] = [
    ['POSTGRES_PORT', ports.postgres],
    ...Object.entries(ports.temporal).map(([k, p]) => [`TEMPORAL_PORT (${k})`, p] as [string, number]),
    ['TEMPORAL_UI_PORT', ports.ui],
    ['SANDBOX_PORT', ports.sandbox],
    ...ports.apis.map((p) => ['API_PORT', p] as [string, number]),
    ...ports.workerMetrics.map((p) => ['VEND_METRICS_PORT', p] as [string, number]),
  ];
  for (const [name, p] of named) {
    if (await isPortOpen(p)) throw new Error(`port ${p} (${name}) is already in use: stop what holds it (npm start?) or set ${name.split(' ')[0]}`);
  }

  let cluster: RunningCluster | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping: APIs, workers, sandbox, Web UI, Temporal, PostgreSQL ...');
    await cluster?.stop();
    say('stopped.');
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const started = Date.now();
  try {
    cluster = await startCluster({
      dataDir: path.join(config.VEND_DATA_DIR, 'cluster'),
      ports,
      taskQueue: config.VEND_TASK_QUEUE,
      postgresPassword: config.POSTGRES_PASSWORD,
      log: say,
      onServiceLine: (service, line) => process.stdout.write(`[${service}] ${line}\n`),
    });
  } catch (err) {
    process.stderr.write(`npm run cluster: ${(err as Error).message}\n`);
    await stopAll(1);
    return;
  }
  const c = cluster;
  say(
    [
      '',
      `The team deployment is running natively (up in ${Math.round((Date.now() - started) / 1000)} s):`,
      ...c.apiUrls.map((url, i) => `  Request API ${i + 1}      ${url}   (OpenAPI: /openapi.json)`),
      `  Temporal Web UI    ${c.uiUrl}   (UI ${TEMPORAL_UI_VERSION})`,
      `  Temporal gRPC      ${c.temporalAddress}   (server ${TEMPORAL_SERVER_VERSION}, namespace ${c.namespace}, task queue ${c.taskQueue})`,
      `  PostgreSQL         ${c.postgres.host}:${c.postgres.port}   (${c.postgres.version}; databases temporal, temporal_visibility)`,
      `  AWS sandbox        ${c.sandbox.endpoint}   (control API: ${c.sandbox.endpoint}/sandbox/state)`,
      ...c.workerMetricsUrls.map((url, i) => `  Worker ${i + 1} metrics   ${url}`),
      `  Workers and APIs   Node.js ${NODE_VERSION} (${path.relative(PROJECT_ROOT, c.node)}), compiled JavaScript in dist/`,
      `  Data               ${path.join(config.VEND_DATA_DIR, 'cluster')} (kept across starts)`,
      '',
      'Local API tokens (Authorization: Bearer <token>):',
      ...Object.entries(DEV_TOKENS).map(([token, p]) => `  ${token.padEnd(14)} user ${p.user.padEnd(6)} roles ${p.roles.join(', ')}`),
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

void main().catch((err: Error) => {
  process.stderr.write(`npm run cluster: ${err.message}\n`);
  process.exit(1);
});
