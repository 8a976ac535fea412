/** The request API's configuration, from the environment, validated. */
import { z } from 'zod';
import { VendingPolicySchema } from '../../contract/vending';
import { TemporalConnectionSchema, parseConfig } from '../../worker/config';

export const ApiConfigSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(3000),
  temporal: TemporalConnectionSchema,
  /** Policy fields every new request gets (deadlines, probes, attestation); the rest take the schema's defaults. */
  policy: VendingPolicySchema.partial().default({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type ApiConfig = z.infer<typeof ApiConfigSchema>;

export function apiConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  let policy: unknown = undefined;
  if (env.VEND_POLICY) {
    try {
      policy = JSON.parse(env.VEND_POLICY);
    } catch {
      throw new Error('invalid configuration:\n  - VEND_POLICY: not valid JSON');
    }
  }
  return parseConfig(ApiConfigSchema, {
    host: env.API_HOST,
    port: env.API_PORT === undefined ? undefined : Number(env.API_PORT),
    temporal: { address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.VEND_TASK_QUEUE },
    policy,
    logLevel: env.LOG_LEVEL,
  });
}
