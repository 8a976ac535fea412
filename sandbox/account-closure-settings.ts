/**
 * The sandbox's CloseAccount knobs (merged into SandboxSettingsSchema). AWS time, like every other duration of the
 * sandbox: divided by `timeScale`. The quota's numbers are the current API reference's (10% of member accounts, at
 * least 10, at most 1,000, per rolling 30 days); AWS's texts have differed over time, so each is a setting.
 */
import { z } from 'zod';

const DAY = 86_400_000;

export const AccountClosureSettingsShape = {
  /** AWS time an account stays PENDING_CLOSURE after CloseAccount before it is SUSPENDED. */
  closeAccountDurationMs: z.number().min(0).default(5_000),
  /** The rolling quota: this share of the member accounts (management account excluded) ... */
  closeAccountQuotaPercent: z.number().min(0).max(100).default(10),
  /** ... at least this many ... */
  closeAccountQuotaMin: z.number().int().min(0).default(10),
  /** ... at most this many ... */
  closeAccountQuotaMax: z.number().int().min(0).default(1_000),
  /** ... per this window (AWS time). */
  closeAccountWindowMs: z.number().positive().default(30 * DAY),
  /** Closures in progress (PENDING_CLOSURE) at once; one more is CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED. */
  maxClosuresInProgress: z.number().int().positive().default(3),
  /** AWS time a SUSPENDED account can be reopened; then it is CLOSED and no longer counts toward the account quota. */
  closedAccountRetentionMs: z.number().positive().default(90 * DAY),
};
