/**
 * Every AWS Organizations interaction of the vending workflow: preflight, the crash-safe create (reconcile, then
 * CreateAccount), the creation status poll, the ownership check and the placement into the target OU.
 */
import { CreateAccountCommand, DescribeAccountCommand, DescribeCreateAccountStatusCommand, ListTagsForResourceCommand, MoveAccountCommand, ListParentsCommand, TagResourceCommand, paginateListAccounts, paginateListCreateAccountStatus, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { Context } from '@temporalio/activity';
import { REQUEST_TAG, REQUESTER_TAG, vendingTags } from '../contract/account-tags';
import { CREATIONS_IN_PROGRESS } from '../contract/aws-quotas';
import { type AwsClients } from './aws-clients';
import { OrganizationStructureCache } from './organization-structure';
import { checkAccountQuota, checkAllFeatures, checkOrganizationalUnit, checkRootAccessFeatures, type CheckResult } from './preflight';
import { awsErrorName, awsErrorReason, nonRetryable, retryable, classify } from './errors';
import { normalizeEmail } from '../contract/request';


export interface OrganizationsConfig {
  /** The organization's account quota, when known (AWS's default is 10); preflight refuses when it is reached. */
  accountQuota?: number;
  /** AWS's limit of account creations in progress at once (5); CreateAccount is not called while that many run. */
  maxCreationsInFlight?: number;
}

export interface PreflightInput {
  organizationalUnit: string;
}
export interface PreflightResult {
  organizationId: string;
  organizationalUnitId: string;
  /** Counted only when the quota is configured: a full ListAccounts per request is not free at 9/s per org. */
  accountCount?: number;
  checks: string[];
}

export interface CreateAccountInput {
  requestId: string;
  accountName: string;
  email: string;
  requester: string;
  tags: Record<string, string>;
}
export type CreateAccountOutcome =
  | { kind: 'existing'; accountId: string }
  | { kind: 'in-flight'; createAccountRequestId: string }
  | { kind: 'requested'; createAccountRequestId: string }
  /**
   * AWS refused to start a creation for its creation limit (ConstraintViolationException
   * ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED, which AWS's texts describe both as "too many in progress" and as the daily
   * limit), or the organization already has its maximum in progress: the workflow gives its slot back and waits.
   */
  | { kind: 'refused'; reason: string; explanation: string };

export type CreationStatus =
  | { state: 'SUCCEEDED'; accountId: string }
  | { state: 'FAILED'; reason: string; retryable: true; explanation: string }
  /** AWS no longer knows the creation request (CreateAccountStatusNotFoundException): reconcile from scratch. */
  | { state: 'VANISHED'; explanation: string };

/** DescribeCreateAccountStatus answers NotFound this many times in a row before a creation counts as vanished. */
const NOT_FOUND_ATTEMPTS = 3;

export interface OwnAccountInput {
  requestId: string;
  email: string;
  requester: string;
}

export interface PlaceAccountInput {
  accountId: string;
  organizationalUnit: string;
  tags: Record<string, string>;
}

/**
 * FailureReason -> what it means for the request. Retryable ones are re-created by the workflow after a pause; every
 * other (including reasons AWS adds later) ends the request with the explanation.
 */
const RETRYABLE_FAILURES: Record<string, string> = {
  INTERNAL_FAILURE: 'AWS reported an internal failure; the creation will be retried',
  CONCURRENT_ACCOUNT_MODIFICATION: 'another change to the organization ran at the same time; the creation will be retried',
  PENDING_BUSINESS_VALIDATION: 'the management account is still completing business validation; the creation will be retried',
};
const FINAL_FAILURES: Record<string, string> = {
  ACCOUNT_LIMIT_EXCEEDED: 'the organization has reached its account quota; request a quota increase in Service Quotas',
  EMAIL_ALREADY_EXISTS: 'the email already belongs to another AWS account (outside this organization); use another email',
  INVALID_ADDRESS: 'the management account has an invalid address; fix it in the management account settings',
  INVALID_EMAIL: 'AWS refused the email address; use another email',
  GOVCLOUD_ACCOUNT_ALREADY_EXISTS: 'a GovCloud account already exists for this account',
  MISSING_BUSINESS_VALIDATION: 'the management account has not completed business validation; contact AWS Support',
  FAILED_BUSINESS_VALIDATION: 'the management account failed business validation; contact AWS Support',
  INVALID_IDENTITY_FOR_BUSINESS_VALIDATION: 'the management account identity could not be validated; contact AWS Support',
  UNKNOWN_BUSINESS_VALIDATION: 'business validation failed for an unknown reason; contact AWS Support',
  MISSING_PAYMENT_INSTRUMENT: 'the management account has no valid payment method; add one in the billing console',
  INVALID_PAYMENT_INSTRUMENT: 'the management account payment method is invalid; update it in the billing console',
  UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED:
    'the organization resource policy does not allow tags on create; update the policy or drop the tags',
};

export function createOrganizationsActivities(aws: AwsClients, config: OrganizationsConfig = {}) {
  const org = aws.organizations;
  const structure = new OrganizationStructureCache(org);

  return {
    /** The preconditions a request needs (activities/preflight.ts), in order; the first that fails ends the request. */
    async checkPreflight({ organizationalUnit }: PreflightInput): Promise<PreflightResult> {
      const checks: CheckResult[] = [];
      const passOrStop = (check: CheckResult) => {
        checks.push(check);
        if (check.status === 'fail') {
          throw nonRetryable(check.id.startsWith('organizational-unit:') ? 'InvalidRequest' : 'PreflightFailed', `${check.title}: ${check.detail}; ${check.fix}`);
        }
      };
      const features = await checkAllFeatures(aws);
      passOrStop(features.check);
      let ou = checkOrganizationalUnit(await structure.listing(), organizationalUnit);
      if (ou.status === 'fail') ou = checkOrganizationalUnit(await structure.listing(true), organizationalUnit);
      passOrStop(ou);
      passOrStop(await checkRootAccessFeatures(aws));
      let accountCount: number | undefined;
      if (config.accountQuota !== undefined) {
        // Counted only when the quota is configured: a full ListAccounts per request is not free at 9/s per org.
        accountCount = 0;
        for await (const page of paginateListAccounts({ client: org }, {})) accountCount += page.Accounts?.length ?? 0;
        passOrStop(checkAccountQuota(accountCount, config.accountQuota));
      }
      return {
        organizationId: features.organization?.Id ?? '',
        organizationalUnitId: ou.unitId ?? '',
        ...(accountCount === undefined ? {} : { accountCount }),
        checks: checks.map((c) => `${c.title}: ${c.detail}`),
      };
    },

    /**
     * Crash-safe creation: CreateAccount has no idempotency token, so before sending it we look for the account
     * (by email, tagged with this request) and for a creation in flight (by name). A retried or replayed attempt
     * finds what the first one started instead of creating a second account.
     */
    async requestAccountCreation(input: CreateAccountInput): Promise<CreateAccountOutcome> {
      const existing = await findOwnAccount(org, input);
      if (existing) return { kind: 'existing', accountId: existing };
      const inFlight = await findCreationInFlight(org, input.accountName);
      if (inFlight.match) return { kind: 'in-flight', createAccountRequestId: inFlight.match };
      // All slots busy: say so without calling CreateAccount, whose scarce rate (0.1/s) a refused call would spend.
      if (inFlight.inProgress >= (config.maxCreationsInFlight ?? CREATIONS_IN_PROGRESS)) {
        return {
          kind: 'refused',
          reason: 'CREATIONS_IN_PROGRESS',
          explanation: `${inFlight.inProgress} account creations are already in progress in the organization`,
        };
      }

      try {
        // One attempt, and abandoned when Temporal gives up on this activity attempt: a late CreateAccount from an
        // attempt that timed out would race the retry's reconciliation and make a second request.
        const { CreateAccountStatus } = await aws.organizationsSingleAttempt.send(
          new CreateAccountCommand({
            AccountName: input.accountName,
            Email: input.email,
            // The role the worker assumes later (VEND_MEMBER_ROLE_NAME): both must name the same role.
            RoleName: aws.memberRoleName,
            // AWS's default too, sent explicitly so that the evidence says what was asked for.
            IamUserAccessToBilling: 'ALLOW',
            Tags: Object.entries({ ...input.tags, ...vendingTags(input.requestId, input.requester) }).map(
              ([Key, Value]) => ({ Key, Value }),
            ),
          }),
          { abortSignal: Context.current().cancellationSignal },
        );
        if (!CreateAccountStatus?.Id) throw new Error('CreateAccount returned no request id');
        return { kind: 'requested', createAccountRequestId: CreateAccountStatus.Id };
      } catch (err) {
        const reason = awsErrorReason(err);
        if (awsErrorName(err) === 'ConstraintViolationException' && reason === 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED') {
          return {
            kind: 'refused',
            reason,
            explanation: 'AWS refused CreateAccount for its creation limit (too many creations in progress, or the daily limit)',
          };
        }
        if (awsErrorName(err) === 'ConstraintViolationException' && reason === 'ACCOUNT_NUMBER_LIMIT_EXCEEDED') {
          throw nonRetryable('AccountQuotaReached', 'the organization has reached its account quota; request an increase');
        }
        throw classify(err, 'CreateAccount');
      }
    },

    /** One poll of the creation status; IN_PROGRESS is thrown as retryable so that Temporal's retry is the poll loop. */
    async awaitAccountCreation(createAccountRequestId: string): Promise<CreationStatus> {
      let status;
      try {
        ({ CreateAccountStatus: status } = await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: createAccountRequestId })));
      } catch (err) {
        if (awsErrorName(err) !== 'CreateAccountStatusNotFoundException') throw classify(err, 'DescribeCreateAccountStatus');
        // Right after CreateAccount the id may not be visible yet; after a few polls it is gone (AWS lost it, or a
        // sandbox restarted): the request must let go of its creation slot and reconcile instead of polling for hours.
        if (Context.current().info.attempt < NOT_FOUND_ATTEMPTS) {
          throw retryable('CreationInProgress', `creation ${createAccountRequestId} is not visible yet`);
        }
        return { state: 'VANISHED', explanation: `AWS no longer knows creation ${createAccountRequestId} (CreateAccountStatusNotFoundException)` };
      }
      switch (status?.State) {
        case 'SUCCEEDED':
          if (!status.AccountId) throw new Error('SUCCEEDED without an AccountId');
          return { state: 'SUCCEEDED', accountId: status.AccountId };
        case 'FAILED': {
          const reason = status.FailureReason ?? 'UNKNOWN';
          const retry = RETRYABLE_FAILURES[reason];
          if (retry) return { state: 'FAILED', reason, retryable: true, explanation: retry };
          throw nonRetryable(
            'AccountCreationFailed',
            `account creation failed with ${reason}: ${FINAL_FAILURES[reason] ?? 'an unrecognised reason; see the AWS Organizations console'}`,
            { reason },
          );
        }
        default:
          throw retryable('CreationInProgress', `account creation ${createAccountRequestId} is ${status?.State ?? 'unknown'}`);
      }
    },

    /**
     * Reconcile only: the account this request created, if the organization holds one (by email, tagged with this
     * request and requester). Used when AWS answers EMAIL_ALREADY_EXISTS: an earlier CreateAccount of ours may have
     * taken effect late.
     */
    async findOwnAccount(input: OwnAccountInput): Promise<{ accountId?: string }> {
      return { accountId: await findOwnAccount(org, input) };
    },

    /** Whether an account (found by a creation in flight with our name) is the one this request asked for. */
    async confirmAccountOwnership(input: { accountId: string; email: string }): Promise<boolean> {
      const { Account } = await call(() => org.send(new DescribeAccountCommand({ AccountId: input.accountId })), 'DescribeAccount');
      return Account?.Email !== undefined && normalizeEmail(Account.Email) === normalizeEmail(input.email);
    },

    /** Moves the account into its OU and (re)applies its tags; both are idempotent. */
    async placeAccount(input: PlaceAccountInput): Promise<{ organizationalUnitId: string; moved: boolean }> {
      const organizationalUnitId = await structure.resolve(input.organizationalUnit);
      const { Parents } = await call(() => org.send(new ListParentsCommand({ ChildId: input.accountId })), 'ListParents');
      const current = Parents?.[0]?.Id;
      let moved = false;
      if (current && current !== organizationalUnitId) {
        try {
          await org.send(
            new MoveAccountCommand({ AccountId: input.accountId, SourceParentId: current, DestinationParentId: organizationalUnitId }),
          );
          moved = true;
        } catch (err) {
          // Already there: a retried move after a lost answer.
          if (awsErrorName(err) !== 'DuplicateAccountException') throw classify(err, 'MoveAccount');
        }
      }
      const tags = Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value }));
      if (tags.length > 0) {
        await call(() => org.send(new TagResourceCommand({ ResourceId: input.accountId, Tags: tags })), 'TagResource');
      }
      return { organizationalUnitId, moved };
    },
  };
}

/**
 * The account with this email, when this request made it: tagged with this request's id AND its requester (a request
 * id derives from the email alone, so a cancelled request's account must not pass to whoever asks for the email
 * next). An account with the email that is someone else's is a final refusal.
 */
async function findOwnAccount(org: OrganizationsClient, input: OwnAccountInput): Promise<string | undefined> {
  const existing = await findAccountByEmail(org, input.email);
  if (!existing) return undefined;
  const tags = await call(() => org.send(new ListTagsForResourceCommand({ ResourceId: existing })), 'ListTagsForResource');
  const owner = tags.Tags?.find((t) => t.Key === REQUEST_TAG)?.Value;
  const ownerRequester = tags.Tags?.find((t) => t.Key === REQUESTER_TAG)?.Value;
  if (owner === input.requestId && (ownerRequester === undefined || ownerRequester === input.requester)) return existing;
  if (owner === input.requestId) {
    throw nonRetryable(
      'EmailInUseInOrganization',
      `account ${existing} was created for this email by an earlier request of ${ownerRequester}; only ${ownerRequester} ` +
        'may request it again (or an operator adopts it)',
    );
  }
  throw nonRetryable(
    'EmailInUseInOrganization',
    `account ${existing} in this organization already uses this email and was not created by this request` +
      (owner ? ` (it belongs to request ${owner})` : ''),
  );
}

async function findAccountByEmail(org: OrganizationsClient, email: string): Promise<string | undefined> {
  const wanted = normalizeEmail(email);
  for await (const page of paginateListAccounts({ client: org }, {})) {
    const match = page.Accounts?.find((a) => a.Email !== undefined && normalizeEmail(a.Email) === wanted);
    if (match?.Id) return match.Id;
  }
  return undefined;
}

async function findCreationInFlight(org: OrganizationsClient, accountName: string): Promise<{ match?: string; inProgress: number }> {
  let inProgress = 0;
  for await (const page of paginateListCreateAccountStatus({ client: org }, { States: ['IN_PROGRESS'] })) {
    const match = page.CreateAccountStatuses?.find((s) => s.AccountName === accountName);
    if (match?.Id) return { match: match.Id, inProgress };
    inProgress += page.CreateAccountStatuses?.length ?? 0;
  }
  return { inProgress };
}

async function call<T>(send: () => Promise<T>, operation: string): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw classify(err, operation);
  }
}
