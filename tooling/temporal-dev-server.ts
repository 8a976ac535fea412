/** Starts the Temporal CLI's dev server (server + Web UI) with our search attributes registered. */
import { SEARCH_ATTRIBUTE_NAMES } from '../contract/search-attributes';
import { spawnManaged, waitForPort, type ManagedProcess } from './processes';

export const SINGLE_PARTITION_DYNAMIC_CONFIG = [
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
];

export interface DevServerOptions {
  temporalCli: string;
  ip?: string;
  port: number;
  uiPort: number;
  /** SQLite file; in-memory when omitted. */
  dbFile?: string;
  namespace?: string;
  /** Further `key=value` dynamic config values, e.g. a lower continue-as-new suggestion for recording histories. */
  dynamicConfig?: string[];
  /** The server's own log lines: `text` (the CLI's default) or `json` (one object a line). */
  logFormat?: 'text' | 'json';
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string;
  process: ManagedProcess;
}

export async function startTemporalDevServer(opts: DevServerOptions): Promise<RunningDevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--namespace',
    opts.namespace ?? 'default',
    '--log-level',
    'warn',
    '--log-format',
    opts.logFormat ?? 'text',
    ...SEARCH_ATTRIBUTE_NAMES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
    // A task queue's rate limit is split across its partitions; AWS's org quotas (0.1/s for CreateAccount) only
    // hold as configured with one partition. A production cluster needs the same for the rate-limited queues.
    ...[...SINGLE_PARTITION_DYNAMIC_CONFIG, ...(opts.dynamicConfig ?? [])].flatMap((value) => ['--dynamic-config-value', value]),
  ];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  const proc = spawnManaged('temporal', opts.temporalCli, args, { onLine: opts.onLine });
  await waitForPort(opts.port, ip, 60_000, proc);
  await waitForPort(opts.uiPort, ip, 30_000, proc);
  return { address: `${ip}:${opts.port}`, uiUrl: `http://${ip}:${opts.uiPort}`, process: proc };
}
