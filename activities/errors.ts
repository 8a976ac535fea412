/**
 * Raising the named failures (contract/failures.ts) from activities, and reading AWS errors by their error name.
 * Non-retryable ones end the request with a message a person can act on; retryable ones are Temporal's to retry.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { type NonRetryable, type Retryable } from '../contract/failures';

export { NonRetryable, Retryable, NON_RETRYABLE_TYPES } from '../contract/failures';

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

/** Turns an AWS error into a named failure: permission and input errors are final, the rest Temporal retries. */
export function classify(err: unknown, operation: string): Error {
  return withOriginal(classified(err, operation), err);
}

function classified(err: unknown, operation: string): Error {
  const name = awsErrorName(err);
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return nonRetryable('AccessDenied', `${operation} was denied: ${describeAwsError(err)}; check the worker's IAM policy`);
  }
  if (name === 'InvalidInputException' || name === 'ConstraintViolationException' || name === 'ValidationException') {
    return nonRetryable('InvalidRequest', `${operation} refused the request: ${describeAwsError(err)}`);
  }
  if (name === 'AWSOrganizationsNotInUseException') {
    return nonRetryable('PreflightFailed', 'this account is not in an organization (AWSOrganizationsNotInUseException)');
  }
  // Throttling, 5xx, ConcurrentModification, FinalizingOrganization: Temporal retries the activity.
  return err instanceof Error ? new Error(`${operation}: ${describeAwsError(err)}`) : new Error(String(err));
}

/**
 * The AWS error a classified failure came from, for callers in this process that report it themselves (`vend doctor`).
 * Kept under a symbol, so Temporal never serialises it into history: the classified message is what a person reads.
 */
const ORIGINAL = Symbol('aws-error');

function withOriginal(error: Error, original: unknown): Error {
  Object.defineProperty(error, ORIGINAL, { value: original, enumerable: false });
  return error;
}

export function originalAwsError(err: unknown): unknown {
  return typeof err === 'object' && err !== null && ORIGINAL in err ? (err as Record<symbol, unknown>)[ORIGINAL] : err;
}
