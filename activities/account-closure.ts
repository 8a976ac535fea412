/**
 * Every AWS Organizations interaction of the closure workflow: preflight (the account may be closed), the placement
 * snapshot that quarantine changes and a cancel restores, quarantine and restore, the reconciled CloseAccount and the
 * wait for SUSPENDED. Each step is idempotent: a retried or replayed attempt finds what the first one did.
 */
import {
  AttachPolicyCommand,
  CloseAccountCommand,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListParentsCommand,
  MoveAccountCommand,
  paginateListPoliciesForTarget,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { ApplicationFailure } from '@temporalio/common';
import { type AwsClients } from './aws-clients';
import { awsErrorName, awsErrorReason, describeAwsError, nonRetryable, retryable } from './errors';
import { classify } from './errors';

/** Named failures of the closure activities, beside activities/errors.ts's (the workflow's retry policy lists them). */
export const ClosureFailure = {
  /** The account may not be closed: the management account, a protected OU, not in the organization, already closed. */
  ClosureRefused: 'ClosureRefused',
  /** The account is not (or no longer) in the organization. */
  AccountNotFound: 'AccountNotFound',
} as const;

/** AWS's account states in which the account is closed or closing: success for CloseAccount's reconcile. */
export const CLOSED_STATES = ['PENDING_CLOSURE', 'SUSPENDED', 'CLOSED'];

export interface ClosurePreflightInput {
  accountId: string;
  protectedOrganizationalUnitIds: string[];
  denyAllPolicyId?: string;
}

export interface ClosurePreflightResult {
  accountName?: string;
  parentId: string;
  state?: string;
  checks: string[];
}

export interface Placement {
  parentId: string;
  /** SCPs attached directly to the account. */
  policyIds: string[];
}

export interface QuarantineInput {
  accountId: string;
  quarantineParentId: string;
  /** Attached unless the account already had it (then a restore must not detach it). */
  denyAllPolicyId?: string;
}

export interface RestoreInput {
  accountId: string;
  toParentId: string;
  /** The deny-all SCP the quarantine attached (and only then). */
  detachPolicyId?: string;
}

export type CloseOutcome =
  | { kind: 'requested' }
  /** Closed or closing already: an earlier attempt's CloseAccount, or someone else's. */
  | { kind: 'already'; state: string }
  /** AWS refused for its quota (rolling 30 days) or for too many closures at once: wait in line, never fail. */
  | { kind: 'refused'; reason: 'CLOSE_ACCOUNT_QUOTA_EXCEEDED' | 'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED'; explanation: string };

export function createAccountClosureActivities(aws: AwsClients) {
  const org = aws.organizations;

  return {
    /** The account may be closed: all-features organization, a member (not the management account), ACTIVE, in no protected OU. */
    async checkClosurePreflight(input: ClosurePreflightInput): Promise<ClosurePreflightResult> {
      const checks: string[] = [];
      const { Organization } = await call(() => org.send(new DescribeOrganizationCommand({})), 'DescribeOrganization');
      if (Organization?.FeatureSet !== 'ALL') {
        throw nonRetryable('PreflightFailed', `the organization runs in ${Organization?.FeatureSet ?? 'an unknown'} mode; CloseAccount needs all features`);
      }
      if (Organization.MasterAccountId === input.accountId) {
        throw refused(`${input.accountId} is the organization's management account, which CloseAccount cannot close`);
      }
      checks.push('a member account of an all-features organization');
      const account = await describeAccount(org, input.accountId);
      if (!account) throw refused(`account ${input.accountId} is not in the organization`);
      if (account.State && account.State !== 'ACTIVE') throw refused(`account ${input.accountId} is ${account.State}, not ACTIVE`);
      checks.push(`ACTIVE (${account.Name ?? 'unnamed'})`);
      const ancestors = await ancestorsOf(org, input.accountId);
      const protectedAncestor = ancestors.find((id) => input.protectedOrganizationalUnitIds.includes(id));
      if (protectedAncestor) throw refused(`account ${input.accountId} is in protected OU ${protectedAncestor}`);
      checks.push(`in no protected OU (parents ${ancestors.join(' < ')})`);
      if (input.denyAllPolicyId) {
        try {
          await org.send(new DescribePolicyCommand({ PolicyId: input.denyAllPolicyId }));
        } catch (err) {
          if (awsErrorName(err) === 'PolicyNotFoundException') {
            throw nonRetryable('PreflightFailed', `the configured deny-all SCP ${input.denyAllPolicyId} does not exist (VEND_CLOSURE_DENY_POLICY_ID)`);
          }
          throw classify(err, 'DescribePolicy');
        }
        checks.push(`deny-all SCP ${input.denyAllPolicyId} exists`);
      }
      return { ...(account.Name ? { accountName: account.Name } : {}), parentId: ancestors[0], state: account.State, checks };
    },

    /** Where the account sits and which SCPs it has: recorded before quarantine changes them. */
    async readPlacement(accountId: string): Promise<Placement> {
      const [parentId] = await ancestorsOf(org, accountId, 1);
      const policyIds: string[] = [];
      try {
        for await (const page of paginateListPoliciesForTarget({ client: org }, { TargetId: accountId, Filter: 'SERVICE_CONTROL_POLICY' })) {
          for (const p of page.Policies ?? []) if (p.Id) policyIds.push(p.Id);
        }
      } catch (err) {
        throw classify(err, 'ListPoliciesForTarget');
      }
      return { parentId, policyIds };
    },

    /** Moves the account into the quarantine OU and attaches the deny-all SCP; both idempotent. */
    async quarantineAccount(input: QuarantineInput): Promise<{ moved: boolean; attached: boolean }> {
      const moved = await moveTo(org, input.accountId, input.quarantineParentId);
      let attached = false;
      if (input.denyAllPolicyId) {
        try {
          await org.send(new AttachPolicyCommand({ PolicyId: input.denyAllPolicyId, TargetId: input.accountId }));
          attached = true;
        } catch (err) {
          if (awsErrorName(err) !== 'DuplicatePolicyAttachmentException') throw classify(err, 'AttachPolicy');
        }
      }
      return { moved, attached };
    },

    /** Undoes quarantine: detaches the SCP it attached, moves the account back to where it was; both idempotent. */
    async restoreAccount(input: RestoreInput): Promise<{ moved: boolean; detached: boolean }> {
      let detached = false;
      if (input.detachPolicyId) {
        try {
          await org.send(new DetachPolicyCommand({ PolicyId: input.detachPolicyId, TargetId: input.accountId }));
          detached = true;
        } catch (err) {
          if (awsErrorName(err) !== 'PolicyNotAttachedException') throw classify(err, 'DetachPolicy');
        }
      }
      return { moved: await moveTo(org, input.accountId, input.toParentId), detached };
    },

    /**
     * Reconcile, then CloseAccount: an account already closing or closed (an earlier attempt whose answer was lost)
     * is success, and so is AccountAlreadyClosedException. AWS's quota and requests-limit refusals are answers, not
     * failures: the closure gives its slot back and waits in line.
     */
    async closeMemberAccount(accountId: string): Promise<CloseOutcome> {
      const account = await describeAccount(org, accountId);
      if (!account) throw closureFailure('AccountNotFound', `account ${accountId} is not in the organization`);
      if (account.State && CLOSED_STATES.includes(account.State)) return { kind: 'already', state: account.State };
      try {
        await org.send(new CloseAccountCommand({ AccountId: accountId }));
        return { kind: 'requested' };
      } catch (err) {
        const name = awsErrorName(err);
        const reason = awsErrorReason(err);
        if (name === 'AccountAlreadyClosedException') return { kind: 'already', state: 'SUSPENDED' };
        if (name === 'AccountNotFoundException') throw closureFailure('AccountNotFound', `account ${accountId} is not in the organization`);
        if (name === 'ConstraintViolationException' && (reason === 'CLOSE_ACCOUNT_QUOTA_EXCEEDED' || reason === 'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED')) {
          return { kind: 'refused', reason, explanation: describeAwsError(err) };
        }
        if (name === 'ConstraintViolationException' && reason === 'CANNOT_CLOSE_MANAGEMENT_ACCOUNT') {
          throw refused(`${accountId} is the organization's management account, which CloseAccount cannot close`);
        }
        // Throttling (TooManyRequestsException), ConcurrentModification, 5xx: Temporal retries the activity.
        throw classify(err, 'CloseAccount');
      }
    },

    /** One look at the account: its State when closed (SUSPENDED, CLOSED); retried (the poll) while it is not yet. */
    async awaitAccountSuspended(accountId: string): Promise<{ state: string }> {
      const account = await describeAccount(org, accountId);
      // Gone from the organization: AWS removed it after closing; nothing is left to wait for.
      if (!account) return { state: 'NOT_IN_ORGANIZATION' };
      if (account.State === 'SUSPENDED' || account.State === 'CLOSED') return { state: account.State };
      throw retryable('AccountNotReady', `account ${accountId} is ${account.State ?? 'in an unknown state'}, not yet SUSPENDED`);
    },

    /** The account's State now (NOT_IN_ORGANIZATION when AWS no longer lists it): at the end of the reopen window. */
    async readAccountState(accountId: string): Promise<{ state: string }> {
      const account = await describeAccount(org, accountId);
      return { state: account ? (account.State ?? 'UNKNOWN') : 'NOT_IN_ORGANIZATION' };
    },
  };
}

/** A closure failure (ClosureFailure), final: retrying cannot change the answer. */
function closureFailure(type: keyof typeof ClosureFailure, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

function refused(message: string): ApplicationFailure {
  return closureFailure('ClosureRefused', message);
}

async function describeAccount(org: OrganizationsClient, accountId: string) {
  try {
    return (await org.send(new DescribeAccountCommand({ AccountId: accountId }))).Account;
  } catch (err) {
    if (awsErrorName(err) === 'AccountNotFoundException') return undefined;
    throw classify(err, 'DescribeAccount');
  }
}

/** The account's parents, nearest first, up to and including the root (at most `depth` of them). */
async function ancestorsOf(org: OrganizationsClient, accountId: string, depth = 10): Promise<string[]> {
  const ancestors: string[] = [];
  let child = accountId;
  while (ancestors.length < depth) {
    const { Parents } = await call(() => org.send(new ListParentsCommand({ ChildId: child })), 'ListParents');
    const parent = Parents?.[0];
    if (!parent?.Id) break;
    ancestors.push(parent.Id);
    if (parent.Type === 'ROOT') break;
    child = parent.Id;
  }
  if (ancestors.length === 0) throw closureFailure('AccountNotFound', `account ${accountId} has no parent in the organization`);
  return ancestors;
}

/** Moves the account from wherever it is now to `parentId`; false when it is there already. */
async function moveTo(org: OrganizationsClient, accountId: string, parentId: string): Promise<boolean> {
  const [current] = await ancestorsOf(org, accountId, 1);
  if (current === parentId) return false;
  try {
    await org.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: current, DestinationParentId: parentId }));
    return true;
  } catch (err) {
    // Already there: a retried move after a lost answer.
    if (awsErrorName(err) === 'DuplicateAccountException') return false;
    throw classify(err, 'MoveAccount');
  }
}

async function call<T>(send: () => Promise<T>, operation: string): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw classify(err, operation);
  }
}
