/**
 * PostgreSQL for the native cluster: the machine's server binaries (Debian's `postgresql`, installed by
 * cluster/ensure-postgresql.sh when missing), a data folder of the project's own and a loopback TCP port (no Unix
 * socket). The data folder is created once (initdb, superuser `temporal`) and kept across starts.
 * PostgreSQL refuses to run as root: as root, it runs as the `postgres` system user the Debian package creates.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../tooling/bootstrap-tools';
import { spawnManaged, waitForPort, type ManagedProcess } from '../tooling/processes';
import { POSTGRES_MAJOR } from './versions';

export interface PostgresOptions {
  dataDir: string;
  port: number;
  /** The superuser Temporal connects as (compose: POSTGRES_USER). */
  user: string;
  /** Its password (compose: POSTGRES_PASSWORD). */
  password: string;
  onLine?: (line: string) => void;
}

export interface RunningPostgres {
  host: string;
  port: number;
  version: string;
  process(): ManagedProcess;
  /** A fast shutdown (clients disconnected, data flushed); resolves when it has exited. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

type Log = (line: string) => void;

function hasServer(dir: string): boolean {
  return ['initdb', 'postgres', 'pg_isready'].every((b) => existsSync(path.join(dir, b)));
}

/** Where initdb and postgres are: VEND_PG_BINDIR, Debian's /usr/lib/postgresql/<major>/bin (pinned major first), pg_config. */
export function findPostgresBinDir(): string | undefined {
  const configured = process.env.VEND_PG_BINDIR;
  if (configured) {
    if (!hasServer(configured)) throw new Error(`VEND_PG_BINDIR: no initdb, postgres and pg_isready in ${configured}`);
    return configured;
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .map(Number)
      .filter((m) => Number.isInteger(m) && m >= 12 && hasServer(path.join(debian, String(m), 'bin')))
      .sort((a, b) => (a === POSTGRES_MAJOR ? -1 : b === POSTGRES_MAJOR ? 1 : b - a));
    if (majors.length > 0) return path.join(debian, String(majors[0]), 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (hasServer(dir)) return dir;
  } catch {
    // no pg_config
  }
  return undefined;
}

export function ensurePostgresBinDir(log: Log): string {
  const found = findPostgresBinDir();
  if (found) return found;
  log('[postgres] no PostgreSQL server found; installing it');
  try {
    execFileSync('bash', [path.join(PROJECT_ROOT, 'cluster', 'ensure-postgresql.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    throw new Error('PostgreSQL (>= 12) is required for npm run cluster and could not be installed (see the message above).');
  }
  const installed = findPostgresBinDir();
  if (!installed) throw new Error('PostgreSQL was installed but its initdb/postgres were not found; set VEND_PG_BINDIR');
  return installed;
}

/** As root: the `postgres` system user's ids, which initdb and postgres run as. */
function serviceUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('PostgreSQL does not run as root and there is no `postgres` system user: run npm run cluster as a normal user');
  }
}

/** The command and its arguments, run as the service user when we are root (setpriv execs: same pid, same group). */
function asServiceUser(user: { uid: number; gid: number } | undefined, bin: string, args: string[]): [string, string[]] {
  if (!user) return [bin, args];
  return ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', bin, ...args]];
}

function initDataDir(binDir: string, opts: PostgresOptions, user: { uid: number; gid: number } | undefined, log: Log): void {
  if (existsSync(path.join(opts.dataDir, 'PG_VERSION'))) return;
  log(`[postgres] creating the data folder ${path.relative(PROJECT_ROOT, opts.dataDir) || opts.dataDir} (first start only)`);
  rmSync(opts.dataDir, { recursive: true, force: true });
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(path.dirname(opts.dataDir), `.pwfile-${process.pid}`);
  writeFileSync(pwfile, `${opts.password}\n`, { mode: 0o600 });
  if (user) {
    chownSync(opts.dataDir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  try {
    const [cmd, args] = asServiceUser(user, path.join(binDir, 'initdb'), [
      '-D',
      opts.dataDir,
      '-U',
      opts.user,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    rmSync(opts.dataDir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed: ${stderr.trim() || (err as Error).message}`, { cause: err });
  } finally {
    rmSync(pwfile, { force: true });
  }
}

export async function startPostgres(opts: PostgresOptions, log: Log): Promise<RunningPostgres> {
  const binDir = ensurePostgresBinDir(log);
  const version = execFileSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
  const user = serviceUser();
  mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  initDataDir(binDir, opts, user, log);
  const host = '127.0.0.1';
  let proc: ManagedProcess | undefined;

  const start = async () => {
    const [cmd, args] = asServiceUser(user, path.join(binDir, 'postgres'), [
      '-D',
      opts.dataDir,
      '-p',
      String(opts.port),
      '-c',
      `listen_addresses=${host}`,
      // TCP on loopback only: no socket file to place or clean up.
      '-c',
      'unix_socket_directories=',
      '-c',
      'log_min_messages=warning',
      '-c',
      'log_checkpoints=off',
    ]);
    proc = spawnManaged('postgres', cmd, args, { onLine: opts.onLine });
    await waitForPort(opts.port, host, 60_000, proc);
    // The port opens before recovery ends; pg_isready says when connections are accepted.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        execFileSync(path.join(binDir, 'pg_isready'), ['-q', '-h', host, '-p', String(opts.port)], { stdio: 'ignore' });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`PostgreSQL on ${host}:${opts.port} did not accept connections within 60 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  const stop = async () => {
    const p = proc;
    if (!p) return;
    proc = undefined;
    // SIGINT to the postmaster alone is PostgreSQL's fast shutdown; the group-wide SIGTERM of stop() is the fallback.
    const pidFile = path.join(opts.dataDir, 'postmaster.pid');
    const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
    if (Number.isInteger(postmaster) && postmaster > 0) {
      try {
        process.kill(postmaster, 'SIGINT');
      } catch {
        // already gone
      }
      const exited = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
      if (exited) {
        await p.stop();
        return;
      }
    }
    await p.stop(10_000);
  };

  await start();
  return {
    host,
    port: opts.port,
    version,
    process: () => {
      if (!proc) throw new Error('PostgreSQL is stopped');
      return proc;
    },
    stop,
    start,
  };
}
