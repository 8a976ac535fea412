/**
 * Every named failure of the engine, in one place: the activities raise them, the workflows' retry policies list the
 * non-retryable ones, the workflows end requests with them, clients read them (GET's `failure.type`). A type not
 * listed here is not one of ours.
 */

/** Activity failures that retrying cannot fix: they end the request with a message a person can act on. */
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
  /** AWS refused us for lack of permission (an SCP, a missing grant): retrying will not grant it. */
  AccessDenied: 'AccessDenied',
  /** A baseline step names what AWS does not have (a permission set, group, user, policy, region): an operator fixes it. */
  BaselineStepInvalid: 'BaselineStepInvalid',
} as const;

/** Activity failures Temporal retries: "not yet" answers of a poll, and answers that may change. */
export const Retryable = {
  /** More creations in flight in the org than AWS allows. */
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

export const NON_RETRYABLE_TYPES: readonly string[] = Object.values(NonRetryable);

/** How a workflow ends a request when it fails (the failure's type; the message says what to do). */
export const RequestFailure = {
  ...NonRetryable,
  /** The input is not a request this workflow code can read. */
  InvalidInput: 'InvalidInput',
  /** AWS kept refusing CreateAccount for its creation limit for a day. */
  AccountCreationRefused: 'AccountCreationRefused',
  /** No creation slot was granted within a day. */
  CreationSlotUnavailable: 'CreationSlotUnavailable',
  /** A root window closed with root credentials left, or AWS refused to delete one: operators were alarmed. */
  RootCredentialsRemain: 'RootCredentialsRemain',
  /** Any other failure a request ended with. */
  VendingFailed: 'VendingFailed',
} as const;
export type RequestFailureType = (typeof RequestFailure)[keyof typeof RequestFailure];
