/**
 * Child processes that never outlive us: each runs in its own process group, and stopping kills the whole group
 * (SIGTERM, then SIGKILL after a grace period). Used by `npm start`, the test setup and the sandbox (moto).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import net from 'node:net';

export interface ManagedProcess {
  readonly name: string;
  /** The process group id (the watchdog shell leads the group; the command runs inside it). */
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (any reason). */
  readonly exited: Promise<number | null>;
  /** Signals the whole group, e.g. SIGKILL for a crash test. */
  kill(signal: NodeJS.Signals): void;
  stop(graceMs?: number): Promise<void>;
}

/**
 * A watchdog shell around the command: if our process dies without cleaning up (SIGKILL, a crashed test runner),
 * it notices within a second and ends the command, so no server outlives its owner.
 */
const WATCHDOG = `
"$@" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; exit 143' TERM INT
while kill -0 "$VEND_OWNER_PID" 2>/dev/null; do
  if ! kill -0 $child 2>/dev/null; then wait $child; exit $?; fi
  sleep 1
done
kill -TERM $child 2>/dev/null; sleep 3; kill -KILL $child 2>/dev/null
`;

const live = new Set<ManagedProcess>();

export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions & { onLine?: (line: string, stream: 'stdout' | 'stderr') => void } = {},
): ManagedProcess {
  const { onLine, ...spawnOptions } = options;
  const child = spawn('/bin/sh', ['-c', WATCHDOG, name, command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...spawnOptions,
    env: { ...(spawnOptions.env ?? process.env), VEND_OWNER_PID: String(process.pid) },
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pid = child.pid;
  const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) onLine?.(line, stream);
  };
  child.stdout?.on('data', forward('stdout'));
  child.stderr?.on('data', forward('stderr'));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const managed: ManagedProcess = {
    name,
    pid,
    child,
    exited,
    kill(signal) {
      killGroup(pid, signal);
    },
    async stop(graceMs = 5000) {
      live.delete(managed);
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Grandchildren (e.g. a shell's children) die with the group.
      killGroup(pid, 'SIGKILL');
    },
  };
  live.add(managed);
  void exited.then(() => live.delete(managed));
  return managed;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Last-resort cleanup for abrupt exits: synchronous, so it also works inside process.on('exit'). */
export function killAllManagedSync(): void {
  for (const p of live) killGroup(p.pid, 'SIGKILL');
  live.clear();
}
process.once('exit', killAllManagedSync);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 60_000, proc?: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void proc?.exited.then(() => (exitedEarly = true));
  while (Date.now() < deadline) {
    if (exitedEarly) throw new Error(`${proc?.name} exited before listening on ${host}:${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc?.name ?? 'service'} did not listen on ${host}:${port} within ${timeoutMs} ms`);
}

export async function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
