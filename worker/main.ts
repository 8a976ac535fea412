/** The worker process: `npm run worker`. Config from the environment (worker/config.ts). */
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { createAwsClients } from '../activities/aws-clients';
import { logSink, webhookSink, type NotificationSink } from '../activities/notifier';
import { workerConfigFromEnv } from './config';
import { createVendingWorkers } from './worker';

async function main(): Promise<void> {
  const config = workerConfigFromEnv();
  const log = pino({ level: config.logLevel, base: { service: 'vending-worker' } });
  const aws = createAwsClients(config.aws);
  const sinks: NotificationSink[] = [logSink((obj) => log.info(obj))];
  if (config.notifyWebhookUrl) sinks.push(webhookSink(config.notifyWebhookUrl));

  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const workers = await createVendingWorkers({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: { aws, notificationSinks: sinks, organizations: { accountQuota: config.accountQuota } },
    awsQuotaScale: config.awsQuotaScale,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutting down: finishing in-flight tasks');
      workers.shutdown();
    });
  }
  log.info(
    { temporal: config.temporal.address, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, aws: config.aws.endpoint ?? 'AWS' },
    'worker running',
  );
  await workers.run();
  aws.destroy();
  await connection.close();
  log.info('worker stopped');
}

main().catch((err: Error) => {
  process.stderr.write(`vending worker: ${err.message}\n`);
  process.exit(1);
});
