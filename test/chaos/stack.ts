/**
 * The real stack a chaos run drives: a Temporal dev server (given), one time-scaled sandbox (moto + gateway), the
 * worker as a child process, the HTTP API in this process on a free port, and the operators' webhook inbox. One
 * stack serves every program of a run; programs keep apart by their email prefix.
 */
import { waitForOrganizationDirectory } from '../support/env';
import { type Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { type FastifyInstance } from 'fastify';
import { buildApi } from '../../client/api/app';
import { staticTokenAuthenticator } from '../../client/api/auth';
import { createVendingClient } from '../../client/temporal';
import { type PolicyOverrides } from '../../contract/policy';
import { randomDecisionSigner } from '../../client/decision-signer';
import { sandboxWorkerEnv, startSandbox, type RunningSandbox, type SandboxSettingsPatch } from '../../sandbox';
import { startNotificationReceiver, type NotificationReceiver } from './notification-receiver';
import { TOKEN_TABLE } from './principals';
import { WorkerProcess } from './worker-process';

/** Creation in a few seconds of AWS time, at 20x: a program's accounts are ready in well under a second each. */
export const CHAOS_SANDBOX: SandboxSettingsPatch = {
  timeScale: 20,
  createAccountDurationMs: 4_000,
  accountReadyDelayMs: 2_000,
  // Terminated requests may hold creation slots until their lease ends; more slots keep later programs moving.
  maxCreateAccountsInProgress: 20,
};

/** Short deadlines and fast polling, so that every parked request ends on its own within seconds. */
export const CHAOS_POLICY: PolicyOverrides = {
  activityAttemptTimeoutMs: 5_000,
  creationRetryPauseMs: 200,
  creationRefusalBackoffMs: 500,
  creationSlotWaitMs: 5_000,
  confirmationRecheckMs: 2_000,
  creationPollIntervalMs: 200,
  readinessPollIntervalMs: 200,
  rootWindowEvidencePollMs: 300,
  decisionDeadlineMs: 5_000,
  decisionReminderIntervalMs: 2_000,
  rootWindowDeadlineMs: 4_000,
  billingVerification: { costExplorerProbe: true, cloudTrailLookup: true, probeAttempts: 2 },
};

/** The root-window guardian's period (the worker reads VEND_GUARDIAN_INTERVAL_MS once it has one). */
export const GUARDIAN_INTERVAL_MS = 2_000;

export interface StackOptions {
  temporalAddress: string;
  motoServerBin: string;
  /** A prebuilt workflow bundle, so that a restarted worker runs within seconds. */
  workflowBundlePath: string;
}

export interface ChaosStack {
  temporal: Client;
  taskQueue: string;
  sandbox: RunningSandbox;
  apiUrl: string;
  inbox: NotificationReceiver;
  worker: WorkerProcess;
  policy: PolicyOverrides;
  guardianIntervalMs: number;
  /** The sandbox's control API, as a person or a demo calls it. */
  sandboxControl(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startChaosStack(opts: StackOptions): Promise<ChaosStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const sandbox = await startSandbox({ motoServerBin: opts.motoServerBin, settings: CHAOS_SANDBOX });
    stops.push(() => sandbox.stop());
    const inbox = await startNotificationReceiver();
    stops.push(() => inbox.close());

    const taskQueue = `chaos-${randomUUID()}`;
    const worker = new WorkerProcess({
      ...process.env,
      TEMPORAL_ADDRESS: opts.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      VEND_TASK_QUEUE: taskQueue,
      ...sandboxWorkerEnv(sandbox),
      VEND_MAX_CREATIONS_IN_FLIGHT: String(CHAOS_SANDBOX.maxCreateAccountsInProgress),
      VEND_WORKFLOW_BUNDLE: opts.workflowBundlePath,
      VEND_NOTIFY_WEBHOOK_URL: inbox.url,
      VEND_GUARDIAN_INTERVAL_MS: String(GUARDIAN_INTERVAL_MS),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    stops.push(() => worker.stop());
    const workerStarted = worker.ensureRunning();

    const connection = await Connection.connect({ address: opts.temporalAddress });
    stops.push(() => connection.close());
    const temporal = createVendingClient(connection, 'default');
    const api: FastifyInstance = await buildApi({
      temporal,
      taskQueue,
      policy: CHAOS_POLICY,
      signer: randomDecisionSigner(),
      authenticator: staticTokenAuthenticator(TOKEN_TABLE),
      logLevel: 'silent',
    });
    const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
    stops.push(() => api.close());
    await workerStarted;
    // Ready for requests, as a load balancer would wait for it: the worker has published the organization's OUs.
    await waitForOrganizationDirectory(temporal, taskQueue);

    return {
      temporal,
      taskQueue,
      sandbox,
      apiUrl,
      inbox,
      worker,
      policy: CHAOS_POLICY,
      guardianIntervalMs: GUARDIAN_INTERVAL_MS,
      async sandboxControl(method, path, body) {
        const response = await fetch(`${sandbox.endpoint}/sandbox${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: kept as text
        }
        return { status: response.status, body: parsed };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
