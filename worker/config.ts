/** The worker's configuration, from the environment, validated; a bad value stops the worker with a clear message. */
import { z } from 'zod';
import { AwsConfigSchema } from '../activities/aws-clients';
import { DEFAULT_TASK_QUEUE } from '../contract/task-queues';

const optionalNumber = z.coerce.number().positive().optional();

export const TemporalConnectionSchema = z.object({
  address: z.string().min(1).default('127.0.0.1:7233'),
  namespace: z.string().min(1).default('default'),
  taskQueue: z.string().min(1).default(DEFAULT_TASK_QUEUE),
});

export const WorkerConfigSchema = z.object({
  temporal: TemporalConnectionSchema,
  aws: AwsConfigSchema,
  /**
   * Multiplies the org-wide rate limits of the restricted task queues. 1 against AWS; the sandbox's time scale
   * against a sped-up sandbox, so the worker keeps AWS's quota shape at the sandbox's speed.
   */
  awsQuotaScale: z.number().positive().default(1),
  accountQuota: z.number().int().positive().optional(),
  notifyWebhookUrl: z.url().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const raw = z
    .object({
      TEMPORAL_ADDRESS: z.string().optional(),
      TEMPORAL_NAMESPACE: z.string().optional(),
      VEND_TASK_QUEUE: z.string().optional(),
      VEND_AWS_REGION: z.string().optional(),
      VEND_AWS_ENDPOINT: z.string().optional(),
      VEND_AWS_ACCESS_KEY_ID: z.string().optional(),
      VEND_AWS_SECRET_ACCESS_KEY: z.string().optional(),
      VEND_MEMBER_ROLE_NAME: z.string().optional(),
      VEND_AWS_MAX_ATTEMPTS: optionalNumber,
      VEND_AWS_QUOTA_SCALE: optionalNumber,
      VEND_ACCOUNT_QUOTA: optionalNumber,
      VEND_NOTIFY_WEBHOOK_URL: z.string().optional(),
      LOG_LEVEL: z.string().optional(),
    })
    .parse(env);
  return parseConfig(WorkerConfigSchema, {
    temporal: { address: raw.TEMPORAL_ADDRESS, namespace: raw.TEMPORAL_NAMESPACE, taskQueue: raw.VEND_TASK_QUEUE },
    aws: {
      region: raw.VEND_AWS_REGION,
      endpoint: raw.VEND_AWS_ENDPOINT,
      staticCredentials:
        raw.VEND_AWS_ACCESS_KEY_ID && raw.VEND_AWS_SECRET_ACCESS_KEY
          ? { accessKeyId: raw.VEND_AWS_ACCESS_KEY_ID, secretAccessKey: raw.VEND_AWS_SECRET_ACCESS_KEY }
          : undefined,
      memberRoleName: raw.VEND_MEMBER_ROLE_NAME,
      maxAttempts: raw.VEND_AWS_MAX_ATTEMPTS,
    },
    awsQuotaScale: raw.VEND_AWS_QUOTA_SCALE,
    accountQuota: raw.VEND_ACCOUNT_QUOTA,
    notifyWebhookUrl: raw.VEND_NOTIFY_WEBHOOK_URL,
    logLevel: raw.LOG_LEVEL,
  });
}

/** zod parse with a one-line-per-problem message that names the setting, never its value (it may be a secret). */
export function parseConfig<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
  throw new Error(`invalid configuration:\n${problems}`);
}
