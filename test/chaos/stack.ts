/**
 * The real stack a chaos run drives: a Temporal dev server (given), one time-scaled sandbox (moto + gateway), the
 * worker as a child process, the HTTP API in this process on a free port, and the operators' webhook inbox. One
 * stack serves every program of a run; programs keep apart by their email prefix.
 */
import { waitForOrganizationDirectory } from '../support/env';
import { prepareClosureOrganization } from '../support/closure';
import { type OrganizationsClient } from '@aws-sdk/client-organizations';
import { createAwsClients } from '../../activities/aws-clients';
import { ClosureApiConfigSchema } from '../../client/api/closure-config';
import { type BaselinePolicyOverrides } from '../../contract/baseline';
import { type ClosurePolicyOverrides } from '../../contract/closure-policy';
import { chaosBlueprints } from './blueprints';
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
  // Closures: PENDING_CLOSURE a few seconds of AWS time, and a quota no run of programs reaches.
  closeAccountDurationMs: 4_000,
  closeAccountQuotaMin: 1_000,
  closeAccountQuotaMax: 1_000,
  // Region opt-in and assignment creation in a few seconds of AWS time, so a baseline ends within a program.
  regionEnableDurationMs: 20_000,
  assignmentCreationMs: 2_000,
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

/**
 * Closures with short waits: a decision deadline and a grace period of seconds (a cancel can land inside it), a
 * reopen window of seconds (a SUSPENDED account's closure ends `closed` on its own).
 */
export const CHAOS_CLOSURE_POLICY: ClosurePolicyOverrides = {
  activityAttemptTimeoutMs: 5_000,
  decisionDeadlineMs: 5_000,
  decisionReminderIntervalMs: 2_000,
  gracePeriodMs: 3_000,
  slotWaitMs: 2_000,
  slotDeadlineMs: 60_000,
  closurePollIntervalMs: 200,
  suspendedDeadlineMs: 30_000,
  reopenWindowMs: 3_000,
  reopenReminderBeforeMs: 1_000,
};

/** Baseline steps polled fast, and an operator's attention waited for seconds only (then `needs-attention`). */
export const CHAOS_BASELINE_POLICY: BaselinePolicyOverrides = {
  pollIntervalMs: 200,
  stepDeadlineMs: 30_000,
  regionsDeadlineMs: 60_000,
  regionSlotWaitMs: 5_000,
  attentionDeadlineMs: 5_000,
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
  closurePolicy: ClosurePolicyOverrides;
  baselinePolicy: BaselinePolicyOverrides;
  guardianIntervalMs: number;
  /** Accounts no closure may touch: the management account, and a member account in the protected OU. */
  managementAccountId: string;
  protectedAccountId: string;
  quarantineOuId: string;
  /** Where accounts sit (closure invariants read parents through it). */
  organizations: OrganizationsClient;
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
    // The closure's organization before the worker lists OUs: quarantine `Suspended`, `Protected` (with one member
    // account in it) and a deny-all SCP, as the closure tests prepare it.
    const aws = createAwsClients({
      region: sandbox.region,
      endpoint: sandbox.endpoint,
      staticCredentials: sandbox.credentials,
      memberRoleName: 'OrganizationAccountAccessRole',
      maxAttempts: 8,
    });
    const org = await prepareClosureOrganization(aws, sandbox);
    const members = await fetch(`${sandbox.endpoint}/sandbox/member-accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1, organizationalUnit: org.protectedOuId, namePrefix: 'protected' }),
    });
    if (!members.ok) throw new Error(`POST /sandbox/member-accounts answered ${members.status}`);
    const protectedAccountId = ((await members.json()) as { accountIds: string[] }).accountIds[0];
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
      VEND_CLOSURE_QUOTA_MIN: '1000',
      VEND_CLOSURE_QUOTA_MAX: '1000',
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
      closure: ClosureApiConfigSchema.parse({ ...org.config, policy: CHAOS_CLOSURE_POLICY }),
      blueprints: chaosBlueprints(),
      baselinePolicy: CHAOS_BASELINE_POLICY,
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
      closurePolicy: CHAOS_CLOSURE_POLICY,
      baselinePolicy: CHAOS_BASELINE_POLICY,
      managementAccountId: sandbox.organization.managementAccountId,
      protectedAccountId,
      quarantineOuId: org.quarantineOuId,
      organizations: aws.organizations,
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
