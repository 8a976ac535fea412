/** The worker's configuration, from the environment, validated; a bad value stops the worker with a clear message. */
import { z } from 'zod';
import { AwsSettingsSchema, awsSettingsInputFromEnv } from '../config/aws';
import { CREATIONS_IN_PROGRESS } from '../contract/aws-quotas';
import { parseConfig } from '../config/parse';
import { TemporalConnectionSchema, temporalConnectionInputFromEnv } from '../config/temporal-connection';
import { EncryptionConfigSchema, encryptionInputFromEnv } from '../encryption/config';

const optionalNumber = z.coerce.number().positive().optional();

/** host:port; `[::]:9464` for IPv6. */
export const BindAddressSchema = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[\w.-]+):\d{1,5}$/, 'host:port, like 127.0.0.1:9464');

export const WorkerConfigSchema = z
  .object({
    temporal: TemporalConnectionSchema,
    /** How the worker reaches AWS (config/aws.ts): the same settings `vend doctor` checks. */
    aws: AwsSettingsSchema,
    notifyWebhookUrl: z.url().optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** The Prometheus endpoint of the worker's Temporal Runtime; unset = off. */
    metricsAddress: BindAddressSchema.optional(),
    /** Payload encryption (encryption/config.ts); unset = off. */
    encryption: EncryptionConfigSchema.optional(),
    /**
     * Workflows kept in the worker's memory. Requests park for days at awaiting-decision; beyond this many, the least
     * recently used is evicted and replayed from history when its decision arrives. Each cached workflow holds its own
     * copy of the workflow modules, about 2 MB (mostly the contract's zod schemas). Not smaller: under a burst the
     * creation-slot coordinator is evicted too, and replaying its long history then outlasts the 10 s task timeout.
     */
    maxCachedWorkflows: z.number().int().min(0).default(100),
    /**
     * Account creations in progress at once: AWS's quota is 5 per organization; set it only if AWS raised yours (or for
     * a sandbox that models more).
     */
    maxCreationsInFlight: z.number().int().min(1).max(1000).default(CREATIONS_IN_PROGRESS),
    /** A prebuilt workflow bundle (tooling/bundle-workflows.ts); unset = bundle from source at start. */
    workflowBundlePath: z.string().min(1).optional(),
    /** The root-window guardian (contract/guardian.ts): how often it runs, how far back it looks, re-audits per pass. */
    guardian: z
      .object({
        intervalMs: z.number().int().min(1_000).max(3_600_000).default(5 * 60_000),
        lookbackDays: z.number().int().min(1).max(90).default(7),
        reauditsPerRun: z.number().int().min(0).max(100).default(5),
      })
      .prefault({}),
  });
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const raw = parseConfig(
    z.object({
      VEND_NOTIFY_WEBHOOK_URL: z.string().optional(),
      VEND_METRICS_ADDRESS: z.string().optional(),
      VEND_MAX_CACHED_WORKFLOWS: z.coerce.number().optional(),
      VEND_MAX_CREATIONS_IN_FLIGHT: z.coerce.number().optional(),
      VEND_WORKFLOW_BUNDLE: z.string().optional(),
      VEND_GUARDIAN_INTERVAL_MS: optionalNumber,
      VEND_GUARDIAN_LOOKBACK_DAYS: optionalNumber,
      VEND_GUARDIAN_REAUDITS_PER_RUN: z.coerce.number().optional(),
      LOG_LEVEL: z.string().optional(),
    }),
    env,
  );
  return parseConfig(WorkerConfigSchema, {
    temporal: temporalConnectionInputFromEnv(env),
    aws: awsSettingsInputFromEnv(env),
    notifyWebhookUrl: raw.VEND_NOTIFY_WEBHOOK_URL || undefined,
    logLevel: raw.LOG_LEVEL || undefined,
    metricsAddress: raw.VEND_METRICS_ADDRESS || undefined,
    encryption: encryptionInputFromEnv(env),
    maxCachedWorkflows: raw.VEND_MAX_CACHED_WORKFLOWS,
    maxCreationsInFlight: raw.VEND_MAX_CREATIONS_IN_FLIGHT,
    workflowBundlePath: raw.VEND_WORKFLOW_BUNDLE || undefined,
    guardian: {
      intervalMs: raw.VEND_GUARDIAN_INTERVAL_MS,
      lookbackDays: raw.VEND_GUARDIAN_LOOKBACK_DAYS,
      reauditsPerRun: raw.VEND_GUARDIAN_REAUDITS_PER_RUN,
    },
  });
}
