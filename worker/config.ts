/** The worker's configuration, from the environment, validated; a bad value stops the worker with a clear message. */
import { z } from 'zod';
import { AwsConfigSchema } from '../activities/aws-clients';
import { EncryptionConfigSchema, encryptionInputFromEnv } from '../encryption/config';
import { TemporalConnectionSchema, temporalConnectionInputFromEnv } from './temporal-connection';

export {
  TemporalConnectionSchema,
  clientConnectionOptions,
  describeTemporalConnection,
  nativeConnectionOptions,
  temporalConnectionInputFromEnv,
  type TemporalConnection,
} from './temporal-connection';

const optionalNumber = z.coerce.number().positive().optional();

/** host:port; `[::]:9464` for IPv6. */
export const BindAddressSchema = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[\w.-]+):\d{1,5}$/, 'host:port, like 127.0.0.1:9464');

/**
 * `sandbox`: every AWS call goes to one endpoint (the sandbox gateway) with static credentials.
 * `aws`: real AWS endpoints (regional STS for AssumeRoot), credentials from the default AWS credentials chain
 * (environment, shared config/SSO profile, web identity, ECS/EC2 role), as the management account or the IAM
 * delegated administrator for centralized root access (the same calls; see the README).
 */
export const AwsModeSchema = z.enum(['sandbox', 'aws']);
export type AwsMode = z.infer<typeof AwsModeSchema>;

export const WorkerConfigSchema = z
  .object({
    temporal: TemporalConnectionSchema,
    awsMode: AwsModeSchema,
    aws: AwsConfigSchema,
    /**
     * Multiplies the org-wide rate limits of the restricted task queues. 1 against AWS; the sandbox's time scale
     * against a sped-up sandbox, so the worker keeps AWS's quota shape at the sandbox's speed.
     */
    awsQuotaScale: z.number().positive().default(1),
    accountQuota: z.number().int().positive().optional(),
    notifyWebhookUrl: z.url().optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** The Prometheus endpoint of the worker's Temporal Runtime; unset = off. */
    metricsAddress: BindAddressSchema.optional(),
    /** Payload encryption (encryption/config.ts); unset = off. */
    encryption: EncryptionConfigSchema.optional(),
    /**
     * Workflows kept in the worker's memory. Requests park for days at awaiting-decision; beyond this many, the least
     * recently used is evicted and replayed from history when its decision arrives.
     */
    maxCachedWorkflows: z.number().int().min(0).default(100),
    /**
     * Account creations in progress at once: AWS's quota is 5 per organization; set it only if AWS raised yours (or for
     * a sandbox that models more).
     */
    maxCreationsInFlight: z.number().int().min(1).max(1000).default(5),
    /** A prebuilt workflow bundle (scripts/bundle-workflows.ts); unset = bundle from source at start. */
    workflowBundlePath: z.string().min(1).optional(),
    /** The root-window guardian (contract/guardian.ts): how often it runs, how far back it looks, re-audits per pass. */
    guardian: z
      .object({
        intervalMs: z.number().int().min(1_000).max(3_600_000).default(5 * 60_000),
        lookbackDays: z.number().int().min(1).max(90).default(7),
        reauditsPerRun: z.number().int().min(0).max(100).default(5),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (c.awsMode === 'sandbox') {
      if (!c.aws.endpoint) issue(['aws', 'endpoint'], 'VEND_AWS_MODE=sandbox needs VEND_AWS_ENDPOINT (the sandbox gateway, e.g. http://127.0.0.1:4566)');
      if (!c.aws.staticCredentials) issue(['aws', 'staticCredentials'], 'VEND_AWS_MODE=sandbox needs VEND_AWS_ACCESS_KEY_ID and VEND_AWS_SECRET_ACCESS_KEY (the sandbox prints them)');
    } else {
      if (c.aws.endpoint) issue(['aws', 'endpoint'], 'VEND_AWS_ENDPOINT is the sandbox\'s single endpoint; with VEND_AWS_MODE=aws every service uses its real AWS endpoint (VEND_STS_ENDPOINT may name a specific regional STS endpoint)');
      if (c.aws.staticCredentials) issue(['aws', 'staticCredentials'], 'VEND_AWS_ACCESS_KEY_ID / VEND_AWS_SECRET_ACCESS_KEY are the sandbox\'s; with VEND_AWS_MODE=aws credentials come from the default AWS credentials chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, a role ...)');
      if (c.awsQuotaScale !== 1) issue(['awsQuotaScale'], 'VEND_AWS_QUOTA_SCALE is the sandbox\'s time scale; against AWS it must be 1 (AWS\'s own quotas)');
    }
  });
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const raw = z
    .object({
      VEND_AWS_MODE: z.string().optional(),
      VEND_AWS_REGION: z.string().optional(),
      VEND_AWS_ENDPOINT: z.string().optional(),
      VEND_STS_ENDPOINT: z.string().optional(),
      VEND_AWS_ACCESS_KEY_ID: z.string().optional(),
      VEND_AWS_SECRET_ACCESS_KEY: z.string().optional(),
      VEND_MEMBER_ROLE_NAME: z.string().optional(),
      VEND_AWS_MAX_ATTEMPTS: optionalNumber,
      VEND_AWS_QUOTA_SCALE: optionalNumber,
      VEND_ACCOUNT_QUOTA: optionalNumber,
      VEND_NOTIFY_WEBHOOK_URL: z.string().optional(),
      VEND_METRICS_ADDRESS: z.string().optional(),
      VEND_MAX_CACHED_WORKFLOWS: z.coerce.number().optional(),
      VEND_MAX_CREATIONS_IN_FLIGHT: z.coerce.number().optional(),
      VEND_WORKFLOW_BUNDLE: z.string().optional(),
      VEND_GUARDIAN_INTERVAL_MS: optionalNumber,
      VEND_GUARDIAN_LOOKBACK_DAYS: optionalNumber,
      VEND_GUARDIAN_REAUDITS_PER_RUN: z.coerce.number().optional(),
      LOG_LEVEL: z.string().optional(),
    })
    .parse(env);
  const keyId = raw.VEND_AWS_ACCESS_KEY_ID || undefined;
  const secret = raw.VEND_AWS_SECRET_ACCESS_KEY || undefined;
  if (Boolean(keyId) !== Boolean(secret)) {
    throw new Error('invalid configuration:\n  - VEND_AWS_ACCESS_KEY_ID and VEND_AWS_SECRET_ACCESS_KEY go together: set both (sandbox) or neither (AWS credentials chain)');
  }
  const endpoint = raw.VEND_AWS_ENDPOINT || undefined;
  return parseConfig(WorkerConfigSchema, {
    temporal: temporalConnectionInputFromEnv(env),
    // Unset: the sandbox when a single endpoint is given (npm start, tests), real AWS otherwise.
    awsMode: raw.VEND_AWS_MODE || (endpoint ? 'sandbox' : 'aws'),
    aws: {
      region: raw.VEND_AWS_REGION || undefined,
      endpoint,
      stsEndpoint: raw.VEND_STS_ENDPOINT || undefined,
      staticCredentials: keyId && secret ? { accessKeyId: keyId, secretAccessKey: secret } : undefined,
      memberRoleName: raw.VEND_MEMBER_ROLE_NAME || undefined,
      maxAttempts: raw.VEND_AWS_MAX_ATTEMPTS,
    },
    awsQuotaScale: raw.VEND_AWS_QUOTA_SCALE,
    accountQuota: raw.VEND_ACCOUNT_QUOTA,
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

/** zod parse with a one-line-per-problem message that names the setting, never its value (it may be a secret). */
export function parseConfig<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
  throw new Error(`invalid configuration:\n${problems}`);
}
