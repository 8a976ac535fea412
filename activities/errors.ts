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
