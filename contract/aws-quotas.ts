/**
 * AWS's quotas the engine lives within, in one place (docs/aws-facts.md says where each comes from). The worker's
 * rate-limited task queues, the creation-slot coordinator, the activities' own checks and the sandbox's token buckets
 * all read them from here.
 */

/** Account creations in progress at once, per organization (Organizations quota; raisable only by AWS Support). */
export const CREATIONS_IN_PROGRESS = 5;

/** A root session (sts:AssumeRoot) lasts at most this long. */
export const ROOT_SESSION_MAX_SECONDS = 900;

/**
 * Region opt-in changes (EnableRegion or DisableRegion until the region is ENABLED or DISABLED) in progress at once
 * (Account Management quotas). The region coordinator grants within both; the sandbox refuses a change over either.
 */
export const REGION_CHANGES_IN_PROGRESS = { perOrganization: 50, perAccount: 6 } as const;

/** Policies of one kind (SCPs, RCPs) attached to one root, OU or account (Organizations quota; AWS's FullAWSAccess counts). */
export const POLICIES_PER_TARGET = 5;

/** Email subscribers of one budget notification (AWS Budgets; one SNS topic may come on top). */
export const BUDGET_EMAIL_SUBSCRIBERS_PER_NOTIFICATION = 10;

export interface BucketLimit {
  /** Requests per second (AWS time). */
  rate: number;
  /** Bucket capacity. */
  burst: number;
}

export interface OperationLimits {
  perAccount?: BucketLimit;
  perOrg?: BucketLimit;
}

const l = (rate: number, burst: number): BucketLimit => ({ rate, burst });

/**
 * API throttling, requests per second with burst, per calling account and per organization, keyed `service:Operation`.
 * Operations not listed have quotas far above this engine's use.
 */
export const THROTTLE_LIMITS: Readonly<Record<string, OperationLimits>> = {
  'organizations:CreateAccount': { perAccount: l(0.1, 3) },
  'organizations:DescribeCreateAccountStatus': { perAccount: l(2, 2), perOrg: l(2, 3) },
  'organizations:ListCreateAccountStatus': { perAccount: l(5, 8), perOrg: l(6, 10) },
  'organizations:DescribeAccount': { perAccount: l(20, 30), perOrg: l(24, 36) },
  'organizations:ListAccounts': { perAccount: l(8, 12), perOrg: l(9, 15) },
  'organizations:ListParents': { perAccount: l(5, 8), perOrg: l(6, 10) },
  'organizations:ListRoots': { perAccount: l(1, 2), perOrg: l(1, 3) },
  'organizations:MoveAccount': { perAccount: l(2, 3) },
  'organizations:TagResource': { perAccount: l(4, 6) },
  'organizations:CloseAccount': { perAccount: l(0.05, 1) },
  'account:PutAlternateContact': { perAccount: l(5, 8) },
};

const createAccount = THROTTLE_LIMITS['organizations:CreateAccount'].perAccount!;
const describeCreation = THROTTLE_LIMITS['organizations:DescribeCreateAccountStatus'].perAccount!;

/** The creation-slot coordinator's AWS quotas: slots, CreateAccount's rate and burst. */
export const CREATION_QUOTAS = { maxInFlight: CREATIONS_IN_PROGRESS, createsPerSecond: createAccount.rate, burst: createAccount.burst } as const;

/**
 * Dispatch rates of the restricted task queues, before the sandbox's time scale: CreateAccount's own rate (the
 * coordinator already paces it), and DescribeCreateAccountStatus less 10%, because Temporal's limiter and AWS's
 * token bucket do not tick together and a poll answered "throttled" costs a whole poll interval.
 */
export const ORG_QUOTAS_PER_SECOND = { accountCreation: createAccount.rate, creationStatus: describeCreation.rate * 0.9 } as const;

const DAY = 86_400_000;
const closeAccount = THROTTLE_LIMITS['organizations:CloseAccount'].perAccount!;

/**
 * Closing member accounts, per organization: this share of its member accounts (the management account is not one),
 * at least `quotaMin` and at most `quotaMax`, in a rolling `windowMs`; `maxInProgress` closures PENDING_CLOSURE at
 * once; CloseAccount's own rate and burst. The current API reference's numbers; AWS's texts have differed over time,
 * so the worker (VEND_CLOSURE_*) and the sandbox (its settings) take each as a default they may override.
 */
export const CLOSURE_QUOTAS = {
  quotaPercent: 10,
  quotaMin: 10,
  quotaMax: 1_000,
  windowMs: 30 * DAY,
  maxInProgress: 3,
  closesPerSecond: closeAccount.rate,
  burst: closeAccount.burst,
} as const;
