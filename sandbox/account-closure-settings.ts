/**
 * The sandbox's CloseAccount knobs (merged into SandboxSettingsSchema). AWS time, like every other duration of the
 * sandbox: divided by `timeScale`. The defaults are AWS's (contract/aws-quotas.ts, the reopen window in
 * contract/closure-policy.ts); AWS's texts have differed over time, so each is a setting.
 */
import { z } from 'zod';
import { CLOSURE_QUOTAS } from '../contract/aws-quotas';
import { AWS_REOPEN_WINDOW_MS } from '../contract/closure-policy';

export const AccountClosureSettingsShape = {
  /** AWS time an account stays PENDING_CLOSURE after CloseAccount before it is SUSPENDED. */
  closeAccountDurationMs: z.number().min(0).default(5_000),
  /** The rolling quota: this share of the member accounts (management account excluded) ... */
  closeAccountQuotaPercent: z.number().min(0).max(100).default(CLOSURE_QUOTAS.quotaPercent),
  /** ... at least this many ... */
  closeAccountQuotaMin: z.number().int().min(0).default(CLOSURE_QUOTAS.quotaMin),
  /** ... at most this many ... */
  closeAccountQuotaMax: z.number().int().min(0).default(CLOSURE_QUOTAS.quotaMax),
  /** ... per this window (AWS time). */
  closeAccountWindowMs: z.number().positive().default(CLOSURE_QUOTAS.windowMs),
  /** Closures in progress (PENDING_CLOSURE) at once; one more is CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED. */
  maxClosuresInProgress: z.number().int().positive().default(CLOSURE_QUOTAS.maxInProgress),
  /** AWS time a SUSPENDED account can be reopened; then it is CLOSED and no longer counts toward the account quota. */
  closedAccountRetentionMs: z.number().positive().default(AWS_REOPEN_WINDOW_MS),
};
