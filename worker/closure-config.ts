/**
 * The worker's closure-quota settings, from the environment, validated (a bad value stops the worker with the
 * setting's name). Unset: AWS's numbers as the current API reference gives them (contract/aws-quotas.ts).
 *
 *   VEND_CLOSURE_QUOTA_PERCENT   share of member accounts closable per rolling 30 days (default 10)
 *   VEND_CLOSURE_QUOTA_MIN       at least this many (default 10)
 *   VEND_CLOSURE_QUOTA_MAX       at most this many (default 1000)
 *   VEND_CLOSURE_MAX_IN_PROGRESS closures PENDING_CLOSURE at once (default 3)
 */
import { z } from 'zod';
import { type ClosureQuotaOverrides } from '../activities/closure-slots';
import { parseConfig } from '../config/parse';

const count = z.coerce.number().int().min(1).max(10_000).optional();

export const ClosureQuotaEnvSchema = z
  .object({
    VEND_CLOSURE_QUOTA_PERCENT: z.coerce.number().positive().max(100).optional(),
    VEND_CLOSURE_QUOTA_MIN: count,
    VEND_CLOSURE_QUOTA_MAX: count,
    VEND_CLOSURE_MAX_IN_PROGRESS: z.coerce.number().int().min(1).max(100).optional(),
  })
  .refine((e) => e.VEND_CLOSURE_QUOTA_MIN === undefined || e.VEND_CLOSURE_QUOTA_MAX === undefined || e.VEND_CLOSURE_QUOTA_MIN <= e.VEND_CLOSURE_QUOTA_MAX, {
    message: 'VEND_CLOSURE_QUOTA_MIN must not exceed VEND_CLOSURE_QUOTA_MAX',
    path: ['VEND_CLOSURE_QUOTA_MIN'],
  });

export function closureQuotaFromEnv(env: NodeJS.ProcessEnv = process.env): ClosureQuotaOverrides {
  const blankless = Object.fromEntries(Object.keys(ClosureQuotaEnvSchema.shape).map((k) => [k, env[k] || undefined]));
  const e = parseConfig(ClosureQuotaEnvSchema, blankless);
  return {
    ...(e.VEND_CLOSURE_QUOTA_PERCENT !== undefined ? { quotaPercent: e.VEND_CLOSURE_QUOTA_PERCENT } : {}),
    ...(e.VEND_CLOSURE_QUOTA_MIN !== undefined ? { quotaMin: e.VEND_CLOSURE_QUOTA_MIN } : {}),
    ...(e.VEND_CLOSURE_QUOTA_MAX !== undefined ? { quotaMax: e.VEND_CLOSURE_QUOTA_MAX } : {}),
    ...(e.VEND_CLOSURE_MAX_IN_PROGRESS !== undefined ? { maxInProgress: e.VEND_CLOSURE_MAX_IN_PROGRESS } : {}),
  };
}
