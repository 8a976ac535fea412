/**
 * What the gateway itself remembers, beyond moto: who holds which access key, CreateAccount requests, per-account
 * readiness and root credentials, the org-level switches, CloudTrail events, and per-operation call counters.
 * Cleared on reset together with moto.
 *
 * Persistence (sandbox/state-codec.ts): with a data folder, every field of SandboxState is saved and restored as it
 * is, with no code per field. So a field holds data only: strings, numbers (NaN and the infinities too), bigints,
 * booleans, null, undefined, arrays, plain objects, Maps, Sets, Dates and Buffers, nested freely, with no object
 * reachable twice (refer to another record by its id). Runtime handles (timers, sockets, promises, class instances)
 * live outside it: a change AWS makes later is a `ScheduledChange` (sandbox/scheduler.ts). A field the saved state
 * lacks starts from its initial value; a saved field the code no longer has, or one whose kind changed, makes the
 * saved state incompatible (the start stops and says so).
 */

import { newAccountClosureState, type AccountClosureState } from './account-closure-state';
import { newBaselineSandboxState, type BaselineSandboxState } from './baseline-state';

export type PrincipalKind = 'management' | 'assumed-role' | 'root-session';

export interface Principal {
  accountId: string;
  kind: PrincipalKind;
  arn: string;
  /** Root sessions: the task policy ARN the session was issued for. */
  taskPolicyArn?: string;
  /** Epoch ms; root sessions expire (AssumeRoot DurationSeconds). */
  expiresAt?: number;
}

export type CreateAccountState = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';

export interface CreateAccountRequestRecord {
  id: string;
  accountName: string;
  /** Kept for the sandbox's own use; AWS's status record carries no email and neither do our answers. */
  email: string;
  roleName: string;
  iamUserAccessToBilling: 'ALLOW' | 'DENY';
  tags: { Key: string; Value: string }[];
  state: CreateAccountState;
  requestedAt: number;
  completedAt?: number;
  accountId?: string;
  failureReason?: string;
  /** Decided at request time from `forcedCreateFailures`, applied at completion. */
  forcedFailureReason?: string;
}

export interface MemberAccountRecord {
  accountId: string;
  name: string;
  email: string;
  roleName: string;
  createdAt: number;
  /** Epoch ms from which AssumeRole into the account works (AWS: minutes after SUCCEEDED). */
  readyAt: number;
  /** "IAM user and role access to Billing information" (console-only setting in AWS). */
  billingAccess: boolean;
}

export interface RootCredentials {
  /** Present = root password recovery allowed / a root password exists. */
  loginProfile?: { createdAt: number };
  mfaDevices: { serialNumber: string; enabledAt: number }[];
  accessKeys: { accessKeyId: string; status: 'Active' | 'Inactive'; createdAt: number }[];
  signingCertificates: { certificateId: string; body: string; status: 'Active' | 'Inactive'; uploadedAt: number }[];
  /** An SCP that denies deleting root credentials (reference: "an SCP denying root actions"): deletions are refused. */
  deletionDeniedByScp?: boolean;
}

export interface CloudTrailEventRecord {
  eventId: string;
  eventName: string;
  eventSource: string;
  eventTime: number;
  accountId: string;
  username: string;
  cloudTrailEvent: Record<string, unknown>;
}

export interface OperationCounters {
  /** Every call received for the operation (throttled and failed ones included). */
  calls: number;
  /** Calls answered with the service's throttling error (token bucket or injected). */
  throttled: number;
  /** Calls answered with an injected 5xx. */
  faults: number;
  /**
   * Calls that succeeded (2xx): a mutation done once counts once here, though a retry racing its first attempt may
   * have called again (and been told the work was already done). Absent in states saved before it was counted.
   */
  succeeded?: number;
}

/** A change AWS makes later on its own, run by the Scheduler when due (sandbox/scheduler.ts). */
export interface ScheduledChange {
  id: string;
  /** Names its handler, e.g. `create-account-completion`. */
  kind: string;
  /** Epoch ms. */
  dueAt: number;
  /** Data the handler needs, e.g. the creation request id. */
  payload: Record<string, string | number | boolean>;
}

export class SandboxState {
  principals = new Map<string, Principal>();
  createRequests: CreateAccountRequestRecord[] = [];
  /** Changes due later (timers are armed from these; see sandbox/scheduler.ts). */
  scheduledChanges: ScheduledChange[] = [];
  accounts = new Map<string, MemberAccountRecord>();
  rootCredentials = new Map<string, RootCredentials>();
  cloudTrail: CloudTrailEventRecord[] = [];
  counters = new Map<string, OperationCounters>();
  /** The most CreateAccount requests IN_PROGRESS at once since the last reset (AWS refuses a sixth by default). */
  peakCreateAccountsInProgress = 0;
  /** Remaining failures per `forcedCreateFailures` entry (index-aligned); undefined = unlimited. */
  forcedFailuresLeft: (number | undefined)[] = [];
  /** Trusted access for service principals moto does not know (iam.amazonaws.com), epoch ms enabled. */
  gatewayTrustedServices = new Map<string, number>();
  linkedAccountAccess = true;
  rootCredentialsManagement = true;
  rootSessions = true;
  /** CloseAccount's closures, quota log and refusals (sandbox/account-closure.ts). */
  accountClosures: AccountClosureState = newAccountClosureState();
  /** Region opt-in, Identity Center assignment creations, primary contacts (the day-1 baseline's services). */
  baseline: BaselineSandboxState = newBaselineSandboxState();

  counter(service: string, operation: string): OperationCounters {
    const key = `${service}:${operation}`;
    let c = this.counters.get(key);
    if (!c) {
      c = { calls: 0, throttled: 0, faults: 0 };
      this.counters.set(key, c);
    }
    return c;
  }

  rootCredentialsOf(accountId: string): RootCredentials {
    let creds = this.rootCredentials.get(accountId);
    if (!creds) {
      // With centralized root access, accounts created by Organizations start without any root credentials.
      creds = { mfaDevices: [], accessKeys: [], signingCertificates: [] };
      this.rootCredentials.set(accountId, creds);
    }
    return creds;
  }

  /** Clears everything; pending changes are dropped (their timers then find nothing to do). */
  clear(): void {
    this.scheduledChanges = [];
    // A completion already talking to moto sees this and abandons instead of creating into the fresh organization.
    for (const r of this.createRequests) if (r.state === 'IN_PROGRESS') r.state = 'FAILED';
    this.principals.clear();
    this.createRequests = [];
    this.accounts.clear();
    this.rootCredentials.clear();
    this.cloudTrail = [];
    this.counters.clear();
    this.peakCreateAccountsInProgress = 0;
    this.forcedFailuresLeft = [];
    this.gatewayTrustedServices.clear();
    this.accountClosures = newAccountClosureState();
    this.baseline = newBaselineSandboxState();
  }
}
