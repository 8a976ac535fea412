/**
 * The named failures of the vending activities. Non-retryable ones end the request with a message a person can act
 * on; retryable ones are Temporal's to retry. The workflow's retry policies list the non-retryable types by name.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

export const NonRetryable = {
  /** A broken precondition of the organization (feature set, OU, root access features, quota). */
  PreflightFailed: 'PreflightFailed',
  /** CreateAccount ended FAILED for a reason that retrying cannot fix. */
  AccountCreationFailed: 'AccountCreationFailed',
  /** The email belongs to an account in the organization that this request did not create. */
  EmailInUseInOrganization: 'EmailInUseInOrganization',
  /** The organization cannot hold more accounts (ACCOUNT_NUMBER_LIMIT_EXCEEDED). */
  AccountQuotaReached: 'AccountQuotaReached',
  /** AWS refused the request's contents (InvalidInputException, bad tag, unknown OU). */
  InvalidRequest: 'InvalidRequest',
  /** AWS refused us for lack of permission: retrying will not grant it. */
  AccessDenied: 'AccessDenied',
  /** A baseline step names what AWS does not have (a permission set, group, user, policy, region): an operator fixes it. */
  BaselineStepInvalid: 'BaselineStepInvalid',
} as const;

export const Retryable = {
  /** More than 5 creations in flight in the org (ConstraintViolationException ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED). */
  CreationSlotsBusy: 'CreationSlotsBusy',
  /** The create request is still IN_PROGRESS: the activity is retried as a poll. */
  CreationInProgress: 'CreationInProgress',
  /** The account exists but cannot be used yet (not ACTIVE, or its role cannot be assumed). */
  AccountNotReady: 'AccountNotReady',
  /** A Cost Explorer answer that is neither access nor a clear denial. */
  ProbeUnexplained: 'ProbeUnexplained',
  /** A baseline step waits for AWS (an assignment or a region in progress): the activity is retried as a poll. */
  BaselineInProgress: 'BaselineInProgress',
} as const;

export const NON_RETRYABLE_TYPES = Object.values(NonRetryable);

export function nonRetryable(type: keyof typeof NonRetryable, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? [] : [details] });
}

export function retryable(type: keyof typeof Retryable, message: string, nextRetryDelayMs?: number): ApplicationFailure {
  // Benign: "not yet" is the expected answer of a poll, not an error worth a warning or an error metric.
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: false,
    nextRetryDelay: nextRetryDelayMs,
    category: ApplicationFailureCategory.BENIGN,
  });
}

/** AWS SDK v3 errors carry the exception name in `name`; some carry a `Reason`. */
export function awsErrorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : undefined;
}

export function awsErrorReason(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'Reason' in err ? String((err as { Reason: unknown }).Reason) : undefined;
}

/** A safe, credential-free one-line description of an AWS error for history and logs. */
export function describeAwsError(err: unknown): string {
  const name = awsErrorName(err) ?? 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return `${name}: ${message}`.slice(0, 500);
}
