/**
 * The organization's preconditions for vending, as checks that say what they saw and, when they do not pass, the fix.
 * The workflow's preflight activity runs the ones a request needs and stops at the first that fails; `vend doctor`
 * (client/doctor/checks.ts) runs all of them, and a few of its own, before the first request. AWS errors are thrown
 * (classified by their name): the activity lets Temporal retry them, the doctor reports them as a failed check.
 */
import { DescribeOrganizationCommand, type Organization } from '@aws-sdk/client-organizations';
import { ListOrganizationsFeaturesCommand } from '@aws-sdk/client-iam';
import { matchOrganizationalUnit, type OrganizationListing } from '../contract/organization-directory';
import { type AwsClients } from './aws-clients';
import { classify } from './errors';

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

export const ROOT_ACCESS_FEATURES = ['RootCredentialsManagement', 'RootSessions'] as const;

/** AWS Organizations' default account quota ("Default maximum number of accounts"). */
export const AWS_DEFAULT_ACCOUNT_QUOTA = 10;

async function send<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw classify(err, operation);
  }
}

export async function checkAllFeatures(aws: AwsClients): Promise<{ check: CheckResult; organization?: Organization }> {
  const id = 'all-features';
  const title = 'organization in all-features mode';
  const { Organization } = await send('organizations:DescribeOrganization', () => aws.organizations.send(new DescribeOrganizationCommand({})));
  if (Organization?.FeatureSet === 'ALL') {
    return { check: { id, title, status: 'pass', detail: `${Organization.Id} runs with all features` }, organization: Organization };
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
    organization: Organization,
  };
}

export async function checkRootAccessFeatures(aws: AwsClients): Promise<CheckResult> {
  const id = 'root-access-features';
  const title = `centralized root access features (${ROOT_ACCESS_FEATURES.join(', ')})`;
  const { EnabledFeatures } = await send('iam:ListOrganizationsFeatures', () => aws.iam.send(new ListOrganizationsFeaturesCommand({})));
  const enabled = new Set<string>(EnabledFeatures ?? []);
  const missing = ROOT_ACCESS_FEATURES.filter((f) => !enabled.has(f));
  if (missing.length === 0) return { id, title, status: 'pass', detail: 'both enabled' };
  return { id, title, status: 'fail', detail: `not enabled: ${missing.join(', ')}`, fix: rootAccessFix(missing) };
}

export function rootAccessFix(missing: readonly string[]): string {
  return (
    [
      missing.includes('RootCredentialsManagement') ? '`aws iam enable-organizations-root-credentials-management`' : '',
      missing.includes('RootSessions') ? '`aws iam enable-organizations-root-sessions`' : '',
    ]
      .filter(Boolean)
      .join(' and ') + ' (after trusted access for iam.amazonaws.com)'
  );
}

/** The target OU, by id or by a name only one OU has, in the organization's listing (activities/organization-structure.ts). */
export function checkOrganizationalUnit(listing: OrganizationListing, ou: string, otherwise = 'or use one that exists'): CheckResult & { unitId?: string } {
  const id = `organizational-unit:${ou}`;
  const title = `target OU ${ou} exists`;
  const match = matchOrganizationalUnit(listing, ou);
  if (match.kind === 'found') return { id, title, status: 'pass', detail: match.unit.id, unitId: match.unit.id };
  if (match.kind === 'ambiguous') {
    return {
      id,
      title,
      status: 'fail',
      detail: `${match.units.length} OUs are named ${ou} (${match.units.map((u) => u.id).join(', ')})`,
      fix: 'request accounts with the OU id instead of its name, or rename one of them',
    };
  }
  return {
    id,
    title,
    status: 'fail',
    detail: `no OU with this name or id (the organization has: ${listing.units.map((u) => u.name).join(', ') || 'none'})`,
    fix: `create it: \`aws organizations create-organizational-unit --parent-id ${listing.rootId} --name ${ou}\`, ${otherwise}`,
  };
}

/** Headroom under the organization's account quota (AWS's default 10 when none is configured). */
export function checkAccountQuota(count: number, quota: number | undefined): CheckResult {
  const id = 'account-quota';
  const title = 'account quota headroom';
  const limit = quota ?? AWS_DEFAULT_ACCOUNT_QUOTA;
  const source =
    quota === undefined
      ? `AWS's default quota of ${AWS_DEFAULT_ACCOUNT_QUOTA} assumed; Service Quotas (AWS Organizations > "Default maximum number of accounts") shows the real one, pass it with --account-quota or VEND_ACCOUNT_QUOTA`
      : 'quota as configured';
  if (count < limit) return { id, title, status: 'pass', detail: `${count} of ${limit} accounts, ${limit - count} left (${source})` };
  return {
    id,
    title,
    status: 'fail',
    detail: `${count} account${count === 1 ? '' : 's'}, the quota is ${limit} (${source})`,
    fix:
      'request an increase in Service Quotas (AWS Organizations > "Default maximum number of accounts")' +
      (quota === undefined ? ', or pass the real quota with --account-quota if it was raised already' : ''),
  };
}
