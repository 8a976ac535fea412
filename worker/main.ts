/** The worker process: `npm run worker`. Config from the environment (worker/config.ts). */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createAwsClients } from '../activities/aws-clients';
import { blueprintsDirFromEnv, loadBlueprintFiles } from '../config/blueprint-files';
import { logSink, webhookSink, type NotificationSink } from '../activities/notifier';
import { ensureOrganizationDirectory } from './organization-directory';
import { dataProtection } from '../encryption';
import { clientConnectionOptions, describeTemporalConnection, nativeConnectionOptions } from '../config/temporal-connection';
import { workerConfigFromEnv } from './config';
import { closureQuotaFromEnv } from './closure-config';
import { ensureGuardianSchedule } from './guardian-schedule';
import { installWorkerRuntime } from './runtime';
import { createVendingWorkerSet } from './worker-set';

async function main(): Promise<void> {
  const config = workerConfigFromEnv();
  const closureQuota = closureQuotaFromEnv();
  // The worker reads no blueprint (requests carry their content), but an invalid file stops it as it stops the API.
  const blueprints = loadBlueprintFiles(blueprintsDirFromEnv(process.env));
  const log = pino({ level: config.logLevel, base: { service: 'vending-worker' } });
  // Before any connection: the SDK's, the workflows' and the activities' logs go to pino, metrics to Prometheus.
  installWorkerRuntime({ log, metricsAddress: config.metricsAddress });
  const protection = dataProtection(config.encryption);
  const aws = createAwsClients(config.aws.aws);
  const sinks: NotificationSink[] = [logSink((obj) => log.info(obj))];
  if (config.notifyWebhookUrl) sinks.push(webhookSink(config.notifyWebhookUrl));

  const connection = await NativeConnection.connect(nativeConnectionOptions(config.temporal));
  // The creation-slot activity starts and signals the org's coordinator workflow: it needs a client of its own.
  const clientConnection = await Connection.connect(clientConnectionOptions(config.temporal));
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter: protection.dataConverter });
  const workers = await createVendingWorkerSet({
    connection,
    client,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    aws,
    notificationSinks: sinks,
    awsQuotaScale: config.aws.awsQuotaScale,
    maxCreationsInFlight: config.maxCreationsInFlight,
    accountQuota: config.aws.accountQuota,
    closureQuota,
    dataConverter: protection.dataConverter,
    maxCachedWorkflows: config.maxCachedWorkflows,
    ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
  });
  const guardianSchedule = await ensureGuardianSchedule(client, { taskQueue: config.temporal.taskQueue, ...config.guardian });
  // The OU list the request API checks new requests against; already running when another worker started it.
  await ensureOrganizationDirectory(client, config.temporal.taskQueue);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutting down: finishing in-flight tasks');
      workers.shutdown();
    });
  }
  log.info(
    {
      temporal: describeTemporalConnection(config.temporal),
      aws: { mode: config.aws.awsMode, region: config.aws.aws.region, endpoint: config.aws.aws.endpoint ?? 'AWS', stsEndpoint: config.aws.aws.stsEndpoint ?? 'regional' },
      encryption: protection.codec ? { keyId: protection.codec.keyId } : 'off',
      metrics: config.metricsAddress ? `http://${config.metricsAddress}/metrics` : 'off',
      guardian: { schedule: guardianSchedule, everyMs: config.guardian.intervalMs },
      blueprints: blueprints.map((b) => `${b.name} v${b.version}`),
      maxCachedWorkflows: config.maxCachedWorkflows,
    },
    'worker running',
  );
  await workers.run();
  aws.destroy();
  await clientConnection.close();
  await connection.close();
  log.info('worker stopped');
}

main().catch((err: Error) => {
  process.stderr.write(`vending worker: ${err.message}\n`);
  process.exit(1);
});
