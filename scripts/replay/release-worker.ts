/**
 * The release's own worker process (`tsx worker/main.ts` in its checkout), pointed at the recorder's dev server and
 * sandbox. Every release from f41e211 on reads the same core settings (TEMPORAL_ADDRESS, VEND_TASK_QUEUE,
 * VEND_AWS_ENDPOINT, ...); settings an older release does not know are ignored by its config parser.
 */
import path from 'node:path';
import { sandboxWorkerEnv, type RunningSandbox } from '../../sandbox';
import { spawnManaged, type ManagedProcess } from '../../tooling/processes';
import { type Checkout } from './checkout';

export interface ReleaseWorker {
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startReleaseWorker(opts: {
  checkout: Checkout;
  temporalAddress: string;
  taskQueue: string;
  sandbox: RunningSandbox;
  log: (line: string) => void;
  readyTimeoutMs?: number;
}): Promise<ReleaseWorker> {
  const env: NodeJS.ProcessEnv = {
    // Only what a worker needs: nothing of the recorder's own environment leaks into the release's config.
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    TEMPORAL_ADDRESS: opts.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    VEND_TASK_QUEUE: opts.taskQueue,
    ...sandboxWorkerEnv(opts.sandbox),
    LOG_LEVEL: 'info',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const recent: string[] = [];
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const proc = spawnManaged('release-worker', path.join(opts.checkout.dir, 'node_modules', '.bin', 'tsx'), ['worker/main.ts'], {
    cwd: opts.checkout.dir,
    env,
    onLine: (line) => {
      recent.push(line);
      if (recent.length > 30) recent.shift();
      // Every release logs this pino line once all of its workers are created (the workflow bundle is built by then).
      if (line.includes('"msg":"worker running"')) markReady();
      // Errors only: warnings (an activity attempt that failed on purpose) are part of the paths; all else shows on failure.
      else if (/"level":(50|60)/.test(line)) opts.log(`[worker ${opts.checkout.commit.slice(0, 7)}] ${line}`);
    },
  });
  const timeoutMs = opts.readyTimeoutMs ?? 180_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    proc.exited.then((code) => `exited with ${code}` as const),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`not ready within ${timeoutMs} ms`), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') {
    await proc.stop();
    throw new Error(`the worker of ${opts.checkout.commit.slice(0, 7)} ${outcome}; its last lines:\n${recent.join('\n')}`);
  }
  return { process: proc, stop: () => proc.stop(15_000) };
}
