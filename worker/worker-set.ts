/**
 * The vending workers wired as the worker process runs them: every coordinator (creation slots, closure quota,
 * region slots) and the root-window guardian get the Temporal client, and every quota follows the AWS quota scale.
 * worker/main.ts, the tests' environments and the bench all build their workers here, so none of them runs with a
 * coordinator left out; what differs between them is only the few knobs below.
 */
import { type Client } from '@temporalio/client';
import { type NativeConnection } from '@temporalio/worker';
import { type AwsClients } from '../activities/aws-clients';
import { closureSlotsConfig, type ClosureQuotaOverrides } from '../activities/closure-slots';
import { creationSlotsConfig } from '../activities/creation-slots';
import { type NotificationSink } from '../activities/notifier';
import { regionSlotsConfig } from '../activities/region-slots';
import { createVendingWorkers, type VendingWorkerOptions, type VendingWorkers } from './worker';

export interface VendingWorkerSetOptions extends Pick<VendingWorkerOptions, 'workflowBundle' | 'maxCachedWorkflows' | 'dataConverter'> {
  /** The workers' connection. */
  connection: NativeConnection;
  /** A client of the same namespace (with the workers' data converter): the coordinators and the guardian use it. */
  client: Client;
  namespace: string;
  taskQueue: string;
  aws: AwsClients;
  notificationSinks: NotificationSink[];
  /** 1 against AWS; the sandbox's time scale against a sped-up sandbox (config/aws.ts). */
  awsQuotaScale: number;
  /** Creation slots handed out (AWS's 5 unless raised); the CreateAccount guard uses the same number. */
  maxCreationsInFlight?: number;
  /** The organization's account quota, when known; preflight refuses when it is reached. */
  accountQuota?: number;
  /** The closure coordinator's quota overrides (default AWS's numbers). */
  closureQuota?: ClosureQuotaOverrides;
}

export function createVendingWorkerSet(opts: VendingWorkerSetOptions): Promise<VendingWorkers> {
  const { client, awsQuotaScale: scale } = opts;
  return createVendingWorkers({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: {
      aws: opts.aws,
      notificationSinks: opts.notificationSinks,
      organizations: { accountQuota: opts.accountQuota, maxCreationsInFlight: opts.maxCreationsInFlight },
      creationSlots: { client, config: creationSlotsConfig(scale, opts.maxCreationsInFlight) },
      closureSlots: { client, config: closureSlotsConfig(scale, opts.closureQuota) },
      regionSlots: { client, config: regionSlotsConfig(scale) },
      guardian: { client },
    },
    awsQuotaScale: scale,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : {}),
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
  });
}
