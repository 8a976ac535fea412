/**
 * The organization's preconditions for account vending, checked with the worker's AWS settings before the first
 * request (`vend doctor`). Each check is a function over AwsClients that never throws: it returns a result with what
 * it saw and, when it did not pass, the fix. The command (client/cli/commands/doctor.ts) only formats them.
 *
 * Statuses: `pass`; `fail` (vending would refuse or break: the command exits non-zero); `confirm` (no API can tell,
 * a person has to look once; not a failure).
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  DescribeOrganizationCommand,
  ListRootsCommand,
  paginateListAccounts,
  paginateListAWSServiceAccessForOrganization,
  paginateListOrganizationalUnitsForParent,
  type Account,
  type Organization,
} from '@aws-sdk/client-organizations';
import { ListOrganizationsFeaturesCommand } from '@aws-sdk/client-iam';
import { type AwsClients } from '../../activities/aws-clients';
import { createBillingAccessActivities } from '../../activities/billing-access';
import { awsErrorName, describeAwsError } from '../../activities/errors';

export type CheckStatus = 'pass' | 'fail' | 'confirm';

export interface CheckResult {
  /** Stable id, e.g. `all-features`, `trusted-access:iam.amazonaws.com`, `organizational-unit:Workloads`. */
  id: string;
  /** The precondition, as a person reads it. */
  title: string;
  status: CheckStatus;
  /** What was observed. */
  detail: string;
  /** What to do when it did not pass. */
  fix?: string;
}

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

/** AWS Organizations' default account quota ("Default maximum number of accounts"). */
export const AWS_DEFAULT_ACCOUNT_QUOTA = 10;
export const TRUSTED_SERVICES = [
  { principal: 'iam.amazonaws.com', name: 'IAM', why: 'centralized root access (sts:AssumeRoot)' },
  { principal: 'account.amazonaws.com', name: 'Account Management', why: 'alternate contacts of member accounts' },
] as const;
export const ROOT_ACCESS_FEATURES = ['RootCredentialsManagement', 'RootSessions'] as const;
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
  const checks: CheckResult[] = [
    organization.check,
    await checkManagementCredentials(aws, organization.value),
    ...(await checkTrustedAccess(aws)),
    await checkRootAccessFeatures(aws),
    ...(await checkOrganizationalUnits(aws, options.organizationalUnits)),
  ];
  const accounts = await listAccounts(aws);
  checks.push(checkAccountQuota(accounts, options.accountQuota));
  checks.push(await checkLinkedAccountAccess(aws, accounts.value ?? [], organization.value, options));
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

async function describeOrganization(aws: AwsClients): Promise<{ check: CheckResult; value?: Organization }> {
  const id = 'all-features';
  const title = 'organization in all-features mode';
  try {
    const { Organization } = await aws.organizations.send(new DescribeOrganizationCommand({}));
    if (Organization?.FeatureSet === 'ALL') {
      return { check: { id, title, status: 'pass', detail: `${Organization.Id} runs with all features` }, value: Organization };
    }
    return {
      check: {
        id,
        title,
        status: 'fail',
        detail: `${Organization?.Id ?? 'the organization'} runs in ${Organization?.FeatureSet ?? 'an unknown'} mode`,
        fix:
          'enable all features: `aws organizations enable-all-features` (or AWS Organizations console > Settings), ' +
          'then every invited member account accepts the handshake',
      },
      value: Organization,
    };
  } catch (err) {
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
          id,
          title,
          status: 'fail',
          detail: 'these credentials belong to an account that is not in an organization',
          fix: 'use the management account of the organization (or create one with `aws organizations create-organization --feature-set ALL`)',
        },
      };
    }
    return { check: failed(id, title, 'organizations:DescribeOrganization', err) };
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

async function checkRootAccessFeatures(aws: AwsClients): Promise<CheckResult> {
  const id = 'root-access-features';
  const title = `centralized root access features (${ROOT_ACCESS_FEATURES.join(', ')})`;
  const fixFor = (missing: readonly string[]) =>
    [
      missing.includes('RootCredentialsManagement') ? '`aws iam enable-organizations-root-credentials-management`' : '',
      missing.includes('RootSessions') ? '`aws iam enable-organizations-root-sessions`' : '',
    ]
      .filter(Boolean)
      .join(' and ') + ' (after trusted access for iam.amazonaws.com)';
  try {
    const { EnabledFeatures } = await aws.iam.send(new ListOrganizationsFeaturesCommand({}));
    const enabled = new Set<string>(EnabledFeatures ?? []);
    const missing = ROOT_ACCESS_FEATURES.filter((f) => !enabled.has(f));
    if (missing.length === 0) return { id, title, status: 'pass', detail: 'both enabled' };
    return { id, title, status: 'fail', detail: `not enabled: ${missing.join(', ')}`, fix: fixFor(missing) };
  } catch (err) {
    return failed(id, title, 'iam:ListOrganizationsFeatures', err, fixFor(ROOT_ACCESS_FEATURES));
  }
}

/** Every OU below the root, breadth first: the same name-or-id resolution the workflow's preflight uses. */
async function checkOrganizationalUnits(aws: AwsClients, wanted: string[]): Promise<CheckResult[]> {
  const title = (ou: string) => `target OU ${ou} exists`;
  const all: { id: string; name: string }[] = [];
  let rootId = '<root id>';
  try {
    const { Roots } = await aws.organizations.send(new ListRootsCommand({}));
    if (Roots?.[0]?.Id) rootId = Roots[0].Id;
    const queue = Roots?.[0]?.Id ? [Roots[0].Id] : [];
    while (queue.length > 0) {
      const parent = queue.shift() as string;
      for await (const page of paginateListOrganizationalUnitsForParent({ client: aws.organizations }, { ParentId: parent })) {
        for (const ou of page.OrganizationalUnits ?? []) {
          if (!ou.Id) continue;
          all.push({ id: ou.Id, name: ou.Name ?? '' });
          queue.push(ou.Id);
        }
      }
    }
  } catch (err) {
    return wanted.map((ou) => failed(`organizational-unit:${ou}`, title(ou), 'organizations:ListOrganizationalUnitsForParent', err));
  }
  return wanted.map((ou): CheckResult => {
    const id = `organizational-unit:${ou}`;
    const found = all.filter((u) => u.id === ou || u.name === ou);
    if (found.length === 1) return { id, title: title(ou), status: 'pass', detail: found[0].id };
    if (found.length > 1) {
      return {
        id,
        title: title(ou),
        status: 'fail',
        detail: `${found.length} OUs are named ${ou} (${found.map((u) => u.id).join(', ')})`,
        fix: 'request accounts with the OU id instead of its name, or rename one of them',
      };
    }
    return {
      id,
      title: title(ou),
      status: 'fail',
      detail: `no OU with this name or id (the organization has: ${all.map((u) => u.name).join(', ') || 'none'})`,
      fix: `create it: \`aws organizations create-organizational-unit --parent-id ${rootId} --name ${ou}\`, or pass the OUs you use with --ou`,
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

function checkAccountQuota(accounts: { value?: Account[]; error?: unknown }, quota: number | undefined): CheckResult {
  const id = 'account-quota';
  const title = 'account quota headroom';
  if (!accounts.value) return failed(id, title, 'organizations:ListAccounts', accounts.error);
  const count = accounts.value.length;
  const limit = quota ?? AWS_DEFAULT_ACCOUNT_QUOTA;
  const source =
    quota === undefined
      ? `AWS's default quota of ${AWS_DEFAULT_ACCOUNT_QUOTA} assumed; Service Quotas (AWS Organizations > "Default maximum number of accounts") shows the real one, pass it with --account-quota or VEND_ACCOUNT_QUOTA`
      : 'quota as configured';
  if (count < limit) {
    return { id, title, status: 'pass', detail: `${count} of ${limit} accounts, ${limit - count} left (${source})` };
  }
  return {
    id,
    title,
    status: 'fail',
    detail: `${count} account${count === 1 ? '' : 's'}, the quota is ${limit} (${source})`,
    fix: 'request an increase in Service Quotas (AWS Organizations > "Default maximum number of accounts")' +
      (quota === undefined ? ', or pass the real quota with --account-quota if it was raised already' : ''),
  };
}

/**
 * Cost Explorer linked-account access is an org setting no API reads (reference/aws-facts.md). What can be observed:
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
