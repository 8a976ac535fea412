/**
 * A worker or API process of the native cluster, restarted when it exits unexpectedly, as docker-compose.yml's
 * `restart: unless-stopped` does. Each incarnation runs under tooling/processes.ts's watchdog.
 */
import { spawnManaged, type ManagedProcess } from '../tooling/processes';

export interface SupervisedProcess {
  readonly name: string;
  /** The running incarnation. */
  current(): ManagedProcess;
  /** How many times it was started again after an unexpected exit. */
  restarts(): number;
  /** Resolves when the current incarnation is ready (its ready line was printed); rejects if it exits first. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

export interface SupervisedOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** A line the process prints once it serves (e.g. the worker's "worker running"). */
  isReadyLine: (line: string) => boolean;
  onLine?: (line: string) => void;
  /** Called when an incarnation exits unexpectedly, before it is started again. */
  onUnexpectedExit?: (code: number | null) => void;
  restartDelayMs?: number;
}

export function supervise(opts: SupervisedOptions): SupervisedProcess {
  let stopping = false;
  let restarts = 0;
  let proc!: ManagedProcess;
  let ready!: Promise<void>;

  const launch = () => {
    let markReady!: () => void;
    let markFailed!: (err: Error) => void;
    ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    ready.catch(() => undefined);
    proc = spawnManaged(opts.name, opts.command, opts.args, {
      env: opts.env,
      onLine: (line) => {
        if (opts.isReadyLine(line)) markReady();
        opts.onLine?.(line);
      },
    });
    const mine = proc;
    void mine.exited.then((code) => {
      markFailed(new Error(`${opts.name} exited (code ${code}) before it was ready`));
      if (stopping || mine !== proc) return;
      opts.onUnexpectedExit?.(code);
      setTimeout(() => {
        if (stopping) return;
        restarts++;
        launch();
      }, opts.restartDelayMs ?? 1_000);
    });
  };
  launch();

  return {
    name: opts.name,
    current: () => proc,
    restarts: () => restarts,
    ready: () => ready,
    async stop() {
      stopping = true;
      await proc.stop();
    },
  };
}
