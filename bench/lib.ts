/**
 * What every benchmark scenario shares: one Temporal dev server (in-memory) and one workflow bundle for the whole
 * run, and per scenario a fresh sandbox with its own task queue and (optionally) an in-process worker.
 */
import { Connection } from '@temporalio/client';
import { createVendingClient, type VendingClient } from '../client/temporal';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createAwsClients, type AwsClients } from '../activities/aws-clients';
import { type ClosureQuotaOverrides } from '../activities/closure-slots';
import { type VendingPolicy } from '../contract/vending';
import { randomDecisionSigner } from '../client/decision-signer';
import { sandboxWorkerEnv, startSandbox, type RunningSandbox, type SandboxSettingsPatch } from '../sandbox';
import { ensureTools, type ToolPaths } from '../tooling/bootstrap-tools';
import { freePort } from '../tooling/processes';
import { startTemporalDevServer, type RunningDevServer } from '../tooling/temporal-dev-server';
import { type VendingWorkers } from '../worker/worker';
import { createVendingWorkerSet } from '../worker/worker-set';

export interface BenchStack {
  tools: ToolPaths;
  temporal: RunningDevServer;
  bundleCode: string;
  client: VendingClient;
  native: NativeConnection;
  stop(): Promise<void>;
}

const BENCH_BUNDLE_PATH = path.resolve(__dirname, '..', '.data', 'bench', 'workflow-bundle.js');

export async function startBenchStack(): Promise<BenchStack> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const tools = ensureTools();
  const [port, uiPort] = [await freePort(), await freePort()];
  const [temporal, bundle] = await Promise.all([
    startTemporalDevServer({ temporalCli: tools.temporal, port, uiPort }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('ERROR') }),
  ]);
  // A worker process started by a scenario loads this file, as `npm start`'s worker does (no webpack in its heap).
  mkdirSync(path.dirname(BENCH_BUNDLE_PATH), { recursive: true });
  writeFileSync(BENCH_BUNDLE_PATH, bundle.code);
  const connection = await Connection.connect({ address: temporal.address });
  const client = createVendingClient(connection, 'default');
  const native = await NativeConnection.connect({ address: temporal.address });
  return {
    tools,
    temporal,
    bundleCode: bundle.code,
    client,
    native,
    async stop() {
      await native.close();
      await connection.close();
      await temporal.process.stop();
    },
  };
}

/** Wall time of every AWS SDK call the activities make (management and member-session clients). */
export class CallTimer {
  totalMs = 0;
  calls = 0;
   
  instrument<T extends { middlewareStack: any }>(client: T): T {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        const start = performance.now();
        try {
          return await next(args);
        } finally {
          this.totalMs += performance.now() - start;
          this.calls++;
        }
      },
      { step: 'initialize', name: 'benchCallTimer' },
    );
    return client;
  }
}

function timedClients(aws: AwsClients, timer: CallTimer): AwsClients {
  for (const c of [aws.organizations, aws.iam, aws.account, aws.sts]) timer.instrument(c);
  return {
    ...aws,
    async memberSession(accountId) {
      const s = await aws.memberSession(accountId);
      timer.instrument(s.costExplorer);
      timer.instrument(s.cloudTrail);
      return s;
    },
    async rootSession(accountId, policy) {
      return timer.instrument(await aws.rootSession(accountId, policy));
    },
  };
}

export interface BenchEnv {
  sandbox: RunningSandbox;
  taskQueue: string;
  aws: AwsClients;
  timer: CallTimer;
  /** Environment for a worker process (worker/main.ts) pointed at this env. */
  workerEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startBenchEnv(
  stack: BenchStack,
  opts: { sandbox: SandboxSettingsPatch; worker: boolean; sdkMaxAttempts?: number; closureQuota?: ClosureQuotaOverrides },
): Promise<BenchEnv> {
  const sandbox = await startSandbox({ motoServerBin: stack.tools.motoServer, settings: opts.sandbox });
  const taskQueue = `bench-${randomUUID()}`;
  const raw = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.endpoint,
    staticCredentials: sandbox.credentials,
    memberRoleName: 'OrganizationAccountAccessRole',
    // The SDK's own retry backoff (0.5 s and up for throttling) is real time and would not follow the time scale:
    // a throttled call fails straight to Temporal, whose retry intervals the policy scales.
    maxAttempts: opts.sdkMaxAttempts ?? 1,
  });
  const timer = new CallTimer();
  const aws = timedClients(raw, timer);
  let workers: VendingWorkers | undefined;
  let running: Promise<void> | undefined;
  if (opts.worker) {
    workers = await createVendingWorkerSet({
      connection: stack.native,
      client: stack.client,
      namespace: 'default',
      taskQueue,
      aws,
      notificationSinks: [{ send: async () => undefined }],
      awsQuotaScale: sandbox.settings().timeScale,
      closureQuota: opts.closureQuota,
      workflowBundle: { code: stack.bundleCode },
    });
    running = workers.run();
  }
  return {
    sandbox,
    taskQueue,
    aws,
    timer,
    workerEnv: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporal.address,
      VEND_TASK_QUEUE: taskQueue,
      ...sandboxWorkerEnv(sandbox),
      VEND_WORKFLOW_BUNDLE: BENCH_BUNDLE_PATH,
      LOG_LEVEL: 'info',
    },
    async stop() {
      workers?.shutdown();
      await running?.catch(() => undefined);
      raw.destroy();
      await sandbox.stop();
    },
  };
}

/** A policy whose poll intervals (AWS time) follow the sandbox's time scale. */
export function scaledPolicy(timeScale: number, aws: { creationPollMs: number; readinessPollMs: number }): Partial<VendingPolicy> {
  return {
    creationPollIntervalMs: Math.max(1, Math.round(aws.creationPollMs / timeScale)),
    readinessPollIntervalMs: Math.max(1, Math.round(aws.readinessPollMs / timeScale)),
    activityAttemptTimeoutMs: 30_000,
  };
}

export async function sandboxState(sandbox: RunningSandbox): Promise<any> {
  const res = await fetch(`${sandbox.endpoint}/sandbox/state`);
  return res.json();
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `task(i)` for i in [0, n) with at most `concurrency` at once. */
export async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
  return n;
}

/** The bench never decides: requests trust a throwaway key. */
export const BENCH_DECISION_KEYS = randomDecisionSigner().publicKeys();
