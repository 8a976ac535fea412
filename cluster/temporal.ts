/**
 * The Temporal part of the native cluster, as docker-compose.yml runs it: the schema job (deploy/temporal/
 * setup-schema.sh with temporal-sql-tool), the server (`temporal-server start`: the same env-driven config template as
 * the temporalio/server image, deploy/temporal/dynamicconfig.yaml), the namespace and the search attributes
 * (through the operator API), and the Web UI server.
 */
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_NAMES } from '../contract/search-attributes';
import { spawnManaged, waitForPort, type ManagedProcess } from '../tooling/processes';
import { SCHEMA_SCRIPT } from './services';
import { type TemporalBinaries } from './toolchain';

const { IndexedValueType } = temporal.api.enums.v1;
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

type Log = (line: string) => void;

/** deploy/temporal/setup-schema.sh with the natively built temporal-sql-tool first on PATH. */
export async function setupSchema(bins: TemporalBinaries, sqlEnv: Record<string, string>, log: Log): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile(
      'sh',
      [SCHEMA_SCRIPT],
      { env: { ...process.env, ...sqlEnv, PATH: `${path.dirname(bins.sqlTool)}${path.delimiter}${process.env.PATH ?? ''}` } },
      (err, stdout, stderr) => {
        for (const line of stdout.split('\n')) if (line.startsWith('database ')) log(`[temporal-schema] ${line}`);
        if (err) reject(new Error(`the schema job failed (deploy/temporal/setup-schema.sh):\n${stderr.trim() || stdout.trim()}`));
        else resolve();
      },
    );
  });
}

export interface TemporalServer {
  address: string;
  process(): ManagedProcess;
  start(): Promise<void>;
  /** SIGKILL (a crash), for the restart test; start() brings it back on the same ports and data. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function temporalServer(opts: { bins: TemporalBinaries; env: Record<string, string>; host: string; port: number; onLine?: (line: string) => void }): TemporalServer {
  let proc: ManagedProcess | undefined;
  const address = `${opts.host}:${opts.port}`;
  const start = async () => {
    proc = spawnManaged('temporal', opts.bins.server, ['start'], { env: { ...process.env, ...opts.env }, onLine: opts.onLine });
    await waitForPort(opts.port, opts.host, 120_000, proc);
    await untilServing(address, proc);
  };
  return {
    address,
    process: () => {
      if (!proc) throw new Error('the Temporal server is stopped');
      return proc;
    },
    start,
    async kill() {
      const p = proc;
      proc = undefined;
      if (!p) return;
      p.kill('SIGKILL');
      await p.exited;
      await p.stop();
    },
    async stop() {
      const p = proc;
      proc = undefined;
      await p?.stop(15_000);
    },
  };
}

/** The frontend's port opens before its services are ready: wait until it answers a real call. */
async function untilServing(address: string, proc: ManagedProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  let last: unknown;
  while (Date.now() < deadline && !exited) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 5_000 });
      await connection.workflowService.getSystemInfo({});
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new Error(`the Temporal server at ${address} ${exited ? 'exited' : 'did not answer within 120 s'} (${(last as Error | undefined)?.message ?? 'no answer'})`);
}

/**
 * The namespace (with its retention) and the vending search attributes, all Keyword, through the operator API; safe
 * to repeat. Returns once the frontend accepts a visibility query on them, so a worker started next can use them.
 */
export async function registerNamespace(address: string, namespace: string, retentionDays: number, log: Log): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.describeNamespace({ namespace });
    } catch (err) {
      if (!isGrpcServiceError(err) || err.code !== GRPC_NOT_FOUND) throw err;
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
        });
        log(`[temporal-setup] namespace ${namespace}: registered (retention ${retentionDays} days)`);
      } catch (e) {
        if (!isGrpcServiceError(e) || e.code !== GRPC_ALREADY_EXISTS) throw e;
      }
    }
    const wanted = Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((name) => [name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]));
    // A new namespace reaches the frontend's cache within seconds; until then the attributes cannot be added.
    await retry('adding the search attributes', () => connection.operatorService.addSearchAttributes({ namespace, searchAttributes: wanted }));
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const wrong = SEARCH_ATTRIBUTE_NAMES.filter((name) => customAttributes?.[name] !== IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    if (wrong.length > 0) {
      throw new Error(`search attributes ${wrong.join(', ')} are registered in namespace ${namespace} with another type than Keyword`);
    }
    await retry('a visibility query on the search attributes', () =>
      connection.workflowService.countWorkflowExecutions({
        namespace,
        query: SEARCH_ATTRIBUTE_NAMES.map((name) => `${name} = "probe"`).join(' AND '),
      }),
    );
    log(`[temporal-setup] namespace ${namespace}: search attributes ${SEARCH_ATTRIBUTE_NAMES.join(', ')} (Keyword)`);
  } finally {
    await connection.close();
  }
}

async function retry<T>(what: string, call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} failed for ${timeoutMs / 1000} s: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * The Web UI server with the temporalio/ui image's config template (env: TEMPORAL_ADDRESS, TEMPORAL_UI_PORT,
 * TEMPORAL_DEFAULT_NAMESPACE) and, below it, a base.yaml that binds it to loopback.
 */
export async function startUiServer(opts: {
  bins: TemporalBinaries;
  configDir: string;
  env: Record<string, string>;
  host: string;
  port: number;
  onLine?: (line: string) => void;
}): Promise<ManagedProcess> {
  const configDir = path.join(opts.configDir, 'config');
  mkdirSync(configDir, { recursive: true });
  copyFileSync(path.join(opts.bins.uiConfigDir, 'docker.yaml'), path.join(configDir, 'docker.yaml'));
  writeFileSync(path.join(configDir, 'base.yaml'), `# Written by npm run cluster: the UI listens on loopback only.\nhost: ${opts.host}\n`);
  const proc = spawnManaged('temporal-ui', opts.bins.uiServer, ['--root', opts.configDir, '--env', 'docker', 'start'], {
    env: { ...process.env, ...opts.env },
    onLine: opts.onLine,
  });
  await waitForPort(opts.port, opts.host, 60_000, proc);
  return proc;
}
