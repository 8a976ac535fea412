/**
 * The worker as its own process (`tsx worker/main.ts`), so a program can SIGKILL it the way a host dies and start it
 * again. Kill and restart are serialized: two concurrent kill actions never leave two workers or none.
 */
import path from 'node:path';
import { spawnManaged, type ManagedProcess } from '../../tooling/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const READY_TIMEOUT_MS = 60_000;

export class WorkerProcess {
  private proc: ManagedProcess | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly tail: string[] = [];
  private readonly expectedExits = new WeakSet<ManagedProcess>();
  /** Starts, for the summary: how long a restart takes on this machine. */
  readonly startTimesMs: number[] = [];
  /** Exits nobody asked for (a crash): when, the exit code and the worker's last lines. */
  readonly crashes: { at: number; code: number | null; tail: string }[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  get alive(): boolean {
    return this.proc !== undefined && this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  /** Starts a worker unless one runs; resolves once it polls its task queues. */
  ensureRunning(): Promise<void> {
    return this.serialized(async () => {
      if (!this.alive) await this.spawn();
    });
  }

  /** SIGKILL (no graceful shutdown: in-flight activities and workflow tasks are lost), then a new worker after `downMs`. */
  killAndRestart(downMs: number): Promise<void> {
    return this.serialized(async () => {
      await this.killNow();
      await new Promise((r) => setTimeout(r, downMs));
      await this.spawn();
    });
  }

  stop(): Promise<void> {
    return this.serialized(async () => {
      const proc = this.proc;
      this.proc = undefined;
      if (proc) this.expectedExits.add(proc);
      await proc?.stop();
    });
  }

  private serialized(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async killNow(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc) return;
    this.expectedExits.add(proc);
    proc.kill('SIGKILL');
    await proc.exited;
    await proc.stop(); // forgets it
  }

  private async spawn(): Promise<void> {
    const started = Date.now();
    let markReady!: () => void;
    const ready = new Promise<void>((r) => (markReady = r));
    const proc = spawnManaged('chaos-worker', path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'worker', 'main.ts')], {
      env: { ...this.env, LOG_LEVEL: 'info' },
      onLine: (line) => {
        if (line.includes('worker running')) markReady();
        this.tail.push(line);
        if (this.tail.length > 30) this.tail.shift();
      },
    });
    this.proc = proc;
    void proc.exited.then((code) => {
      if (!this.expectedExits.has(proc)) this.crashes.push({ at: Date.now(), code, tail: this.tail.slice(-10).join('\n') });
    });
    const exitedEarly = proc.exited.then((code) => {
      throw new Error(`the worker exited (${code}) before it ran:\n${this.tail.join('\n')}`);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the worker did not start within ${READY_TIMEOUT_MS} ms:\n${this.tail.join('\n')}`)), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([ready, exitedEarly, timeout]);
    } finally {
      clearTimeout(timer);
      exitedEarly.catch(() => undefined);
    }
    this.startTimesMs.push(Date.now() - started);
  }
}
