/**
 * The organization's preconditions for account vending, checked with the worker's AWS settings before the first
 * request (`vend doctor`). Each check is a function over AwsClients that never throws: it returns a result with what
 * it saw and, when it did not pass, the fix. The command (client/cli/commands/doctor.ts) only formats them.
 *
 * Statuses: `pass`; `fail` (vending would refuse or break: the command exits non-zero); `confirm` (no API can tell,
 * a person has to look once; not a failure).
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { paginateListAccounts, paginateListAWSServiceAccessForOrganization, type Account, type Organization } from '@aws-sdk/client-organizations';
import { type AwsClients } from '../../activities/aws-clients';
import { listOrganization } from '../../activities/organization-structure';
import {
  checkAccountQuota,
  checkAllFeatures,
  checkOrganizationalUnit,
  checkRootAccessFeatures,
  ROOT_ACCESS_FEATURES,
  rootAccessFix,
  type CheckResult,
} from '../../activities/preflight';

export { AWS_DEFAULT_ACCOUNT_QUOTA, ROOT_ACCESS_FEATURES, type CheckResult, type CheckStatus } from '../../activities/preflight';
import { createBillingAccessActivities } from '../../activities/billing-access';
import { awsErrorName, describeAwsError, originalAwsError } from '../../activities/errors';

export interface DoctorOptions {
  /** OUs requests will target, by name or id. */
  organizationalUnits: string[];
  /** The organization's account quota; AWS's default (10) is assumed when absent. */
  accountQuota?: number;
  /** A member account to probe Cost Explorer from; otherwise the first member account whose access role works. */
  probeAccountId?: string;
  /** The member role's name, for the messages (the clients already use it). */
  memberRoleName: string;
  /** An operator attestation configured for the API (VEND_POLICY billingVerification.operatorAttestation). */
  operatorAttestation?: { attestedBy: string; attestedAt: string };
}

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

export const TRUSTED_SERVICES = [
  { principal: 'iam.amazonaws.com', name: 'IAM', why: 'centralized root access (sts:AssumeRoot)' },
  { principal: 'account.amazonaws.com', name: 'Account Management', why: 'alternate contacts of member accounts' },
] as const;
export const LINKED_ACCOUNT_ACCESS_CONSOLE_PATH =
  'Billing and Cost Management > Cost Management preferences > "Linked account access"';

/**
 * The checks could not talk to AWS at all: `unreachable` (network, exit 3) or `no-credentials` (nothing in the
 * settings or the default credentials chain, exit 2). Every other problem is one check's failure.
 */
export class DoctorAbort extends Error {
  constructor(
    readonly reason: 'unreachable' | 'no-credentials',
    message: string,
  ) {
    super(message);
  }
}

const NETWORK_ERRORS = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|socket hang up|fetch failed/i;

function isNetworkError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  return NETWORK_ERRORS.test(code) || NETWORK_ERRORS.test(err instanceof Error ? err.message : String(err)) || awsErrorName(err) === 'TimeoutError';
}

function failed(id: string, title: string, operation: string, err: unknown, fix?: string): CheckResult {
  const name = awsErrorName(err);
  const denied = name === 'AccessDeniedException' || name === 'AccessDenied';
  return {
    id,
    title,
    status: 'fail',
    detail: `${operation} failed: ${describeAwsError(err)}`,
    fix: denied
      ? `allow ${operation} for these credentials (they must be the management account's or a delegated administrator's)`
      : fix,
  };
}

/** Runs every check; throws DoctorAbort only when AWS cannot be talked to at all (network, no credentials). */
export async function runDoctor(aws: AwsClients, options: DoctorOptions): Promise<DoctorReport> {
  const organization = await describeOrganization(aws);
  const listing = await guarded(() => listOrganization(aws.organizations));
  const checks: CheckResult[] = [
    organization.check,
    await checkManagementCredentials(aws, organization.value),
    ...(await checkTrustedAccess(aws)),
    await checked('root-access-features', 'centralized root access features', 'iam:ListOrganizationsFeatures', () => checkRootAccessFeatures(aws), rootAccessFix(ROOT_ACCESS_FEATURES)),
    ...options.organizationalUnits.map((ou) =>
      listing.value
        ? checkOrganizationalUnit(listing.value, ou, 'or pass the OUs you use with --ou')
        : failed(`organizational-unit:${ou}`, `target OU ${ou} exists`, 'organizations:ListOrganizationalUnitsForParent', listing.error),
    ),
  ];
  const accounts = await listAccounts(aws);
  checks.push(
    accounts.value
      ? checkAccountQuota(accounts.value.length, options.accountQuota)
      : failed('account-quota', 'account quota headroom', 'organizations:ListAccounts', accounts.error),
  );
  checks.push(await checkLinkedAccountAccess(aws, accounts.value ?? [], organization.value, options));
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

/** A shared check (activities/preflight.ts) whose AWS error becomes this check's failure instead of ending the run. */
async function checked(id: string, title: string, operation: string, check: () => Promise<CheckResult>, fix?: string): Promise<CheckResult> {
  try {
    return await check();
  } catch (err) {
    return failed(id, title, operation, cause(err), fix);
  }
}

async function guarded<T>(call: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await call() };
  } catch (error) {
    return { error: cause(error) };
  }
}

/** The shared checks classify AWS errors (activities/errors.ts); the doctor reports the AWS error itself. */
function cause(err: unknown): unknown {
  return originalAwsError(err);
}

async function describeOrganization(aws: AwsClients): Promise<{ check: CheckResult; value?: Organization }> {
  try {
    const { check, organization } = await checkAllFeatures(aws);
    return { check, value: organization };
  } catch (classified) {
    const err = cause(classified);
    if (isNetworkError(err)) throw new DoctorAbort('unreachable', `cannot reach AWS: ${describeAwsError(err)}`);
    if (awsErrorName(err) === 'CredentialsProviderError') {
      throw new DoctorAbort(
        'no-credentials',
        'no AWS credentials: set VEND_AWS_ACCESS_KEY_ID and VEND_AWS_SECRET_ACCESS_KEY (sandbox) or configure the default ' +
          'credentials chain (AWS_PROFILE, environment, instance or task role) with credentials of the management account',
      );
    }
    if (awsErrorName(err) === 'AWSOrganizationsNotInUseException') {
      return {
        check: {
          id: 'all-features',
          title: 'organization in all-features mode',
          status: 'fail',
          detail: 'these credentials belong to an account that is not in an organization',
          fix: 'use the management account of the organization (or create one with `aws organizations create-organization --feature-set ALL`)',
        },
      };
    }
    return { check: failed('all-features', 'organization in all-features mode', 'organizations:DescribeOrganization', err) };
  }
}

async function checkManagementCredentials(aws: AwsClients, organization: Organization | undefined): Promise<CheckResult> {
  const id = 'management-account';
  const title = "credentials of the organization's management account";
  try {
    const { Account, Arn } = await aws.sts.send(new GetCallerIdentityCommand({}));
    const management = organization?.MasterAccountId;
    if (!management) return { id, title, status: 'fail', detail: `caller ${Arn ?? Account}; the organization is unknown`, fix: 'see the organization check' };
    if (Account === management) return { id, title, status: 'pass', detail: `caller ${Arn ?? Account} is in the management account ${management}` };
    return {
      id,
      title,
      status: 'fail',
      detail: `caller ${Arn ?? Account} is not in the management account ${management}`,
      fix: "give the worker credentials of the management account (CreateAccount and sts:AssumeRoot are only allowed there)",
    };
  } catch (err) {
    return failed(id, title, 'sts:GetCallerIdentity', err);
  }
}

async function checkTrustedAccess(aws: AwsClients): Promise<CheckResult[]> {
  let enabled: Set<string>;
  try {
    enabled = new Set<string>();
    for await (const page of paginateListAWSServiceAccessForOrganization({ client: aws.organizations }, {})) {
      for (const service of page.EnabledServicePrincipals ?? []) if (service.ServicePrincipal) enabled.add(service.ServicePrincipal);
    }
  } catch (err) {
    return TRUSTED_SERVICES.map((s) =>
      failed(`trusted-access:${s.principal}`, `trusted access for ${s.name} (${s.principal})`, 'organizations:ListAWSServiceAccessForOrganization', err),
    );
  }
  return TRUSTED_SERVICES.map((s): CheckResult => {
    const id = `trusted-access:${s.principal}`;
    const title = `trusted access for ${s.name} (${s.principal})`;
    if (enabled.has(s.principal)) return { id, title, status: 'pass', detail: `enabled, for ${s.why}` };
    return {
      id,
      title,
      status: 'fail',
      detail: `not enabled; vending needs it for ${s.why}`,
      fix: `aws organizations enable-aws-service-access --service-principal ${s.principal}`,
    };
  });
}

async function listAccounts(aws: AwsClients): Promise<{ value?: Account[]; error?: unknown }> {
  try {
    const accounts: Account[] = [];
    for await (const page of paginateListAccounts({ client: aws.organizations }, {})) accounts.push(...(page.Accounts ?? []));
    return { value: accounts };
  } catch (error) {
    return { error };
  }
}

/**
 * Cost Explorer linked-account access is an org setting no API reads (docs/aws-facts.md). What can be observed:
 * ce:GetCostAndUsage from inside an existing member account, through its access role, works when it is on and is
 * denied ("not enabled for cost explorer access") when it is off. Without such an account a person confirms it once.
 */
async function checkLinkedAccountAccess(
  aws: AwsClients,
  accounts: Account[],
  organization: Organization | undefined,
  options: DoctorOptions,
): Promise<CheckResult> {
  const id = 'linked-account-access';
  const title = 'Cost Explorer linked-account access (new accounts get billing access by default)';
  const consoleStep = `in the management account's console: ${LINKED_ACCOUNT_ACCESS_CONSOLE_PATH}`;
  const confirmOnce =
    `no API can read this organization setting; confirm once that it is on (${consoleStep}), then record it as ` +
    "the API's operator attestation (VEND_POLICY billingVerification.operatorAttestation) if you want requests to count it as evidence";
  const candidates = options.probeAccountId
    ? [options.probeAccountId]
    : accounts
        .filter((a) => a.Id && a.Id !== organization?.MasterAccountId && (a.State ?? a.Status) === 'ACTIVE')
        .map((a) => a.Id as string)
        .slice(0, 3);
  const attested = options.operatorAttestation
    ? `; attested by ${options.operatorAttestation.attestedBy} at ${options.operatorAttestation.attestedAt}`
    : '';
  const probe = createBillingAccessActivities(aws);
  const tried: string[] = [];
  for (const accountId of candidates) {
    try {
      const evidence = await probe.probeCostExplorerAccess(accountId);
      if (evidence.indicates === 'on') {
        return { id, title, status: 'pass', detail: `observed on from inside member account ${accountId}: ${evidence.detail}${attested}` };
      }
      if (evidence.indicates === 'off') {
        return {
          id,
          title,
          status: 'fail',
          detail: `observed off from inside member account ${accountId}: ${evidence.detail}`,
          fix: `turn it on ${consoleStep} (every new account would otherwise stop for a root remediation)`,
        };
      }
      tried.push(`${accountId}: ${evidence.detail}`);
    } catch (err) {
      tried.push(`${accountId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const why =
    candidates.length === 0
      ? `cannot be observed: no active member account to look from (the probe assumes ${options.memberRoleName} in one)`
      : `cannot be observed from ${tried.join('; ')}`;
  return { id, title, status: 'confirm', detail: `${why}${attested}`, fix: confirmOnce };
}
