/**
 * A test file's private world: its own sandbox (moto + gateway), a worker on its own task queue against the shared
 * Temporal dev server, a Temporal client and, on request, the HTTP API on a free port.
 */
import { type Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type FastifyInstance } from 'fastify';
import { createAwsClients, type AwsClients } from '../../activities/aws-clients';
import { type Notification } from '../../activities/notifier';
import { type PolicyOverrides } from '../../contract/policy';
import { DecisionKeysConfigSchema, DecisionSigner, randomDecisionKeysEnv } from '../../client/decision-signer';
import { type ClosureQuotaOverrides } from '../../activities/closure-slots';
import { type ClosureApiConfig } from '../../client/api/closure-config';
import { OrganizationDirectoryReader } from '../../client/organization-directory';
import { ensureOrganizationDirectory } from '../../worker/organization-directory';
import { createVendingClient, type VendingClient } from '../../client/temporal';
import { type BaselinePolicyOverrides } from '../../contract/baseline';
import { type BlueprintCatalog } from '../../client/blueprint-catalog';
import { dataProtection, EncryptionConfigSchema, type DataProtection, type EncryptionConfig } from '../../encryption';
import { sandboxWorkerEnv, startSandbox, type RunningSandbox, type SandboxSettingsPatch } from '../../sandbox';
import { parseConfig } from '../../config/parse';
import { clientConnectionOptions, nativeConnectionOptions, TemporalConnectionSchema } from '../../config/temporal-connection';
import { type VendingWorkers } from '../../worker/worker';
import { createVendingWorkerSet } from '../../worker/worker-set';
import { ensureGuardianSchedule } from '../../worker/guardian-schedule';
import { WORKFLOW_BUNDLE_PATH } from './paths';

/** Fast polling for tests, with deadlines short enough that the policy's history bounds hold. */
export const TEST_POLICY: PolicyOverrides = {
  decisionDeadlineMs: 120_000,
  decisionReminderIntervalMs: 60_000,
  rootWindowDeadlineMs: 90_000,
  creationPollIntervalMs: 200,
  creationRetryPauseMs: 200,
  creationRefusalBackoffMs: 500,
  creationSlotWaitMs: 10_000,
  readinessPollIntervalMs: 200,
  rootWindowEvidencePollMs: 300,
  confirmationRecheckMs: 3_000,
  activityAttemptTimeoutMs: 15_000,
};

/** The baseline's timing for tests: fast polls, short deadlines. */
export const TEST_BASELINE_POLICY: BaselinePolicyOverrides = {
  pollIntervalMs: 200,
  // Generous: a step is done in seconds, but moto deleting default VPCs in every region is slow on a loaded machine.
  stepDeadlineMs: 120_000,
  regionsDeadlineMs: 180_000,
  regionSlotWaitMs: 10_000,
  attentionDeadlineMs: 120_000,
};

export interface TestEnvOptions {
  /** The worker's VEND_MEMBER_ROLE_NAME (default AWS's OrganizationAccountAccessRole). */
  memberRoleName?: string;
  sandbox?: SandboxSettingsPatch;
  policy?: PolicyOverrides;
  api?: boolean;
  /** Start the in-process worker (default true); a test that runs its own worker process says false. */
  worker?: boolean;
  /**
   * Payload encryption for the worker, the client and the API (which then serves /codec/*): `true` for a fresh
   * random key ring, or a config (encryption/config.ts). Off by default.
   */
  encryption?: boolean | EncryptionConfig;
  /** The creation slots the coordinator hands out (default AWS's 5). */
  maxCreationsInFlight?: number;
  /** The blueprints the API serves (none by default, so requests get no baseline unless a test asks). */
  blueprints?: BlueprintCatalog;
  /** Run the root-window guardian's schedule on this env's task queue, this often (off by default). */
  guardianIntervalMs?: number;
  /** Keep the sandbox's AWS state in this folder (`startSandbox({ dataDir })`); in memory by default. */
  sandboxDataDir?: string;
  /** The sandbox's port (default: a free one), for a test that starts it again at the same endpoint. */
  sandboxPort?: number;
  /** The closure coordinator's quota overrides (default AWS's numbers). */
  closureQuota?: ClosureQuotaOverrides;
  /** The API's closure settings (quarantine OU, deny-all SCP, protected OUs, closure policy). */
  closure?: Partial<ClosureApiConfig>;
  /**
   * Runs after the sandbox is up and before the worker lists the organization (OUs and policies made here are in the
   * directory the API reads); what it returns is merged over `closure`.
   */
  prepareOrganization?: (aws: AwsClients, sandbox: RunningSandbox) => Promise<Partial<ClosureApiConfig> | void>;
}

/** A fresh key ring (one key, id `test-1`) and HMAC key, as the environment would hold them. */
export function randomEncryptionEnv(keyId = 'test-1'): { VEND_ENCRYPTION_KEYS: string; VEND_ENCRYPTION_KEY_ID: string; VEND_SEARCH_HMAC_KEY: string } {
  return {
    VEND_ENCRYPTION_KEYS: JSON.stringify({ [keyId]: randomBytes(32).toString('base64') }),
    VEND_ENCRYPTION_KEY_ID: keyId,
    VEND_SEARCH_HMAC_KEY: randomBytes(32).toString('base64'),
  };
}

export interface TestEnv {
  sandbox: RunningSandbox;
  client: VendingClient;
  taskQueue: string;
  aws: AwsClients;
  notifications: Notification[];
  policy: PolicyOverrides;
  /** The API's decision-signing key ring (a fresh one per env); requests started here trust its keys. */
  signer: DecisionSigner;
  /** The same ring as environment (for an API process). */
  decisionKeysEnv: Record<string, string>;
  /** The codec and AccountEmail hashing in use (no codec when encryption is off). */
  protection: DataProtection;
  apiUrl?: string;
  /** Environment for a worker process (worker/main.ts) pointed at this env. */
  workerEnv: NodeJS.ProcessEnv;
  stopWorker(): Promise<void>;
  /** Starts the worker with the global bundle, or with another build of the workflow code (test/support/bundle-variant.ts). */
  startWorker(bundleCode?: string): Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startTestEnv(opts: TestEnvOptions = {}): Promise<TestEnv> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const address = required('VEND_TEST_TEMPORAL_ADDRESS');
  const sandbox = await startSandbox({
    motoServerBin: required('VEND_TEST_MOTO_SERVER'),
    settings: opts.sandbox,
    dataDir: opts.sandboxDataDir,
    port: opts.sandboxPort,
  });
  const taskQueue = `test-${randomUUID()}`;
  const aws = createAwsClients({
    region: sandbox.region,
    endpoint: sandbox.endpoint,
    staticCredentials: sandbox.credentials,
    memberRoleName: opts.memberRoleName ?? 'OrganizationAccountAccessRole',
    maxAttempts: 8,
  });
  const prepared = (await opts.prepareOrganization?.(aws, sandbox)) ?? {};
  const encryption: EncryptionConfig | undefined =
    opts.encryption === true
      ? (() => {
          const raw = randomEncryptionEnv();
          return EncryptionConfigSchema.parse({ keys: JSON.parse(raw.VEND_ENCRYPTION_KEYS), keyId: raw.VEND_ENCRYPTION_KEY_ID, searchHmacKey: raw.VEND_SEARCH_HMAC_KEY });
        })()
      : opts.encryption || undefined;
  const protection = dataProtection(encryption);
  // The same schema and option builders as the worker and the API (plain here: the dev server has no TLS).
  const temporalConfig = parseConfig(TemporalConnectionSchema, { address });
  const connection = await Connection.connect(clientConnectionOptions(temporalConfig));
  const client = createVendingClient(connection, 'default', protection);
  const notifications: Notification[] = [];
  const policy = { ...TEST_POLICY, ...opts.policy };
  const decisionKeysEnv = randomDecisionKeysEnv();
  const signer = new DecisionSigner(
    DecisionKeysConfigSchema.parse({ keys: JSON.parse(decisionKeysEnv.VEND_DECISION_KEYS), keyId: decisionKeysEnv.VEND_DECISION_KEY_ID }),
  );

  const nativeConnection = await NativeConnection.connect(nativeConnectionOptions(temporalConfig));
  let workers: VendingWorkers | undefined;
  let running: Promise<void> | undefined;
  const startWorker = async (bundleCode?: string) => {
    workers = await createVendingWorkerSet({
      connection: nativeConnection,
      client,
      namespace: 'default',
      taskQueue,
      aws,
      notificationSinks: [{ send: async (n) => void notifications.push(n) }],
      awsQuotaScale: sandbox.settings().timeScale,
      maxCreationsInFlight: opts.maxCreationsInFlight,
      closureQuota: opts.closureQuota,
      workflowBundle: { code: bundleCode ?? readFileSync(WORKFLOW_BUNDLE_PATH, 'utf8') },
      dataConverter: protection.dataConverter,
    });
    running = workers.run();
    // As worker/main.ts does: the OU list the API checks requests against.
    await ensureOrganizationDirectory(client, taskQueue);
  };
  const stopWorker = async () => {
    workers?.shutdown();
    await running;
    workers = undefined;
  };
  if (opts.worker ?? true) await startWorker();
  const guardianSchedule = opts.guardianIntervalMs
    ? await ensureGuardianSchedule(client, { taskQueue, intervalMs: opts.guardianIntervalMs, lookbackDays: 1, reauditsPerRun: 5 })
    : undefined;

  let api: FastifyInstance | undefined;
  let apiUrl: string | undefined;
  if (opts.api) {
    // The API refuses requests (503) until the worker has listed the OUs once.
    if (opts.worker ?? true) await waitForOrganizationDirectory(client, taskQueue);
    // Loaded only when asked for, so workflow-only tests do not depend on the API's module graph.
    const { buildApi } = await import('../../client/api/app');
    const { staticTokenAuthenticator } = await import('../../client/api/auth');
    const authenticator = staticTokenAuthenticator();
    const { ClosureApiConfigSchema } = await import('../../client/api/closure-config');
    const closure = ClosureApiConfigSchema.parse({ ...opts.closure, ...prepared });
    api = await buildApi({ temporal: client, taskQueue, policy, signer, authenticator, logLevel: 'silent', closure, blueprints: opts.blueprints, baselinePolicy: TEST_BASELINE_POLICY });
    if (protection.codec) {
      const { codecServer } = await import('../../client/api/codec-routes');
      await api.register(codecServer, { codec: protection.codec, authenticator, corsOrigins: ['http://127.0.0.1:8233'] });
    }
    apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  }

  return {
    sandbox,
    client,
    taskQueue,
    aws,
    notifications,
    policy,
    signer,
    decisionKeysEnv,
    protection,
    apiUrl,
    workerEnv: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      VEND_TASK_QUEUE: taskQueue,
      ...sandboxWorkerEnv(sandbox),
      LOG_LEVEL: 'warn',
      ...(encryption
        ? {
            VEND_ENCRYPTION_KEYS: JSON.stringify(encryption.keys),
            VEND_ENCRYPTION_KEY_ID: encryption.keyId,
            VEND_SEARCH_HMAC_KEY: encryption.searchHmacKey,
          }
        : {}),
    },
    startWorker,
    stopWorker,
    async stop() {
      if (guardianSchedule) await client.schedule.getHandle(guardianSchedule).delete().catch(() => undefined);
      await api?.close();
      await stopWorker();
      await nativeConnection.close();
      await connection.close();
      aws.destroy();
      await sandbox.stop();
    },
  };
}

/** Ready for requests: a worker has listed the organization's OUs (until then the API answers 503 with Retry-After). */
export async function waitForOrganizationDirectory(client: Client, taskQueue: string): Promise<void> {
  const reader = new OrganizationDirectoryReader(client, taskQueue, 0);
  const deadline = Date.now() + 30_000;
  while (!(await reader.read())) {
    if (Date.now() > deadline) throw new Error('the worker did not publish the organization directory within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (test/support/global-setup.ts)`);
  return value;
}
