/**
 * The vending worker: one Worker on the main task queue (workflows + ordinary activities) and one per rate-limited
 * queue, whose server-side limits keep every workflow together inside AWS's org-wide quotas.
 */
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import { ORG_QUOTAS_PER_SECOND, vendingTaskQueues } from '../contract/task-queues';

export interface VendingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDependencies;
  awsQuotaScale: number;
  /** A prebuilt bundle (tests bundle once); otherwise the workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Workflows kept in memory (worker/config.ts); unset = the SDK's default. */
  maxCachedWorkflows?: number;
  /** Payload codecs (encryption/index.ts); every worker of the set uses the same. Unset = Temporal's default. */
  dataConverter?: WorkerOptions['dataConverter'];
}

export interface VendingWorkers {
  run(): Promise<void>;
  shutdown(): void;
}

export async function createVendingWorkers(opts: VendingWorkerOptions): Promise<VendingWorkers> {
  const activities = createActivities(opts.activities);
  const queues = vendingTaskQueues(opts.taskQueue);
  const common = {
    connection: opts.connection,
    namespace: opts.namespace,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
  };
  const workflowSource = opts.workflowBundle
    ? { workflowBundle: opts.workflowBundle }
    : { workflowsPath: require.resolve('../workflows') };

  const workers = await Promise.all([
    Worker.create({
      ...common,
      ...workflowSource,
      taskQueue: queues.main,
      activities,
      ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    }),
    Worker.create({
      ...common,
      taskQueue: queues.accountCreation,
      activities: { requestAccountCreation: activities.requestAccountCreation },
      maxTaskQueueActivitiesPerSecond: ORG_QUOTAS_PER_SECOND.accountCreation * opts.awsQuotaScale,
    }),
    Worker.create({
      ...common,
      taskQueue: queues.creationStatus,
      activities: { awaitAccountCreation: activities.awaitAccountCreation },
      maxTaskQueueActivitiesPerSecond: ORG_QUOTAS_PER_SECOND.creationStatus * opts.awsQuotaScale,
    }),
  ]);

  return {
    async run() {
      await Promise.all(workers.map((w) => w.run()));
    },
    shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
