/**
 * Where every AWS SDK client is built: management-account clients, a session inside a member account (AssumeRole
 * into its access role) and a root session (sts:AssumeRoot with a task policy). Credentials stay in here; callers get
 * clients, never keys.
 */
import { AccountClient } from '@aws-sdk/client-account';
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, AssumeRootCommand, STSClient } from '@aws-sdk/client-sts';
import { z } from 'zod';
import { type AwsConfig } from '../config/aws';
import { ROOT_SESSION_MAX_SECONDS } from '../contract/aws-quotas';

export { AwsConfigSchema, type AwsConfig } from '../config/aws';

export const DEFAULT_MEMBER_ROLE_NAME = 'OrganizationAccountAccessRole';

/** IAM's role-name alphabet (CreateAccount's RoleName too); the name also goes into the worker's IAM policy. */
export const MemberRoleNameSchema = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, 'an IAM role name: 1-64 letters, digits and + = , . @ _ -');



/** Cost Explorer's API is served from us-east-1 only (ce.us-east-1.amazonaws.com). */
export const COST_EXPLORER_REGION = 'us-east-1';

/** The three task policies this product uses; the worker's IAM policy allows exactly these for sts:AssumeRoot. */
interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type RootTaskPolicy = 'IAMAuditRootUserCredentials' | 'IAMCreateRootUserPassword' | 'IAMDeleteRootUserCredentials';

export interface MemberSession {
  costExplorer: CostExplorerClient;
  cloudTrail: CloudTrailClient;
  /** Budgets of the account itself (its AccountId), from inside it. */
  budgets: BudgetsClient;
  /** EC2 in one of the account's regions, from inside it (default VPCs). */
  ec2(region: string): EC2Client;
}

export interface AwsClients {
  /** The role CreateAccount puts into each new account: the same one memberSession assumes. */
  readonly memberRoleName: string;
  organizations: OrganizationsClient;
  /**
   * Organizations without SDK retries, for CreateAccount only: a call AWS may have carried out must never be repeated
   * blindly (it has no idempotency token). Temporal retries the activity instead, which reconciles first.
   */
  organizationsSingleAttempt: OrganizationsClient;
  iam: IAMClient;
  account: AccountClient;
  sts: STSClient;
  /** IAM Identity Center (account assignments, permission sets) and its identity store, in the worker's region. */
  ssoAdmin: SSOAdminClient;
  identityStore: IdentitystoreClient;
  /** Assumes the member role; throws what STS throws (AccessDenied while the account is not ready yet). */
  memberSession(accountId: string): Promise<MemberSession>;
  /** A root session scoped to one task policy (at most 15 minutes). */
  rootSession(accountId: string, taskPolicy: RootTaskPolicy): Promise<IAMClient>;
  destroy(): void;
}

export function createAwsClients(config: AwsConfig): AwsClients {
  const base = {
    region: config.region,
    maxAttempts: config.maxAttempts,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.staticCredentials ? { credentials: config.staticCredentials } : {}),
  };
  // AssumeRoot is refused by the global STS endpoint; the SDK's regional endpoint for config.region is what we want.
  // useGlobalEndpoint is the SDK's default already (false); it is spelled out so no shared config can change it.
  const sts = new STSClient({ ...base, useGlobalEndpoint: false, ...(config.stsEndpoint ? { endpoint: config.stsEndpoint } : {}) });
  const clients = {
    organizations: new OrganizationsClient(base),
    organizationsSingleAttempt: new OrganizationsClient({ ...base, maxAttempts: 1 }),
    iam: new IAMClient(base),
    account: new AccountClient(base),
    sts,
    ssoAdmin: new SSOAdminClient(base),
    identityStore: new IdentitystoreClient(base),
  };
  const withCredentials = (credentials: SessionCredentials) => ({
    ...base,
    credentials,
  });

  return {
    ...clients,
    memberRoleName: config.memberRoleName,
    async memberSession(accountId) {
      const { Credentials } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${accountId}:role/${config.memberRoleName}`,
          RoleSessionName: 'account-vending',
          DurationSeconds: ROOT_SESSION_MAX_SECONDS,
        }),
      );
      const credentials = sessionCredentials(Credentials, 'AssumeRole');
      return {
        // Cost Explorer has one endpoint, in us-east-1, whatever region the worker runs in.
        costExplorer: new CostExplorerClient({ ...withCredentials(credentials), region: COST_EXPLORER_REGION }),
        cloudTrail: new CloudTrailClient(withCredentials(credentials)),
        // Budgets has one endpoint (us-east-1), like Cost Explorer.
        budgets: new BudgetsClient({ ...withCredentials(credentials), region: COST_EXPLORER_REGION }),
        ec2: (region) => new EC2Client({ ...withCredentials(credentials), region }),
      };
    },
    async rootSession(accountId, taskPolicy) {
      const { Credentials } = await sts.send(
        new AssumeRootCommand({
          TargetPrincipal: accountId,
          TaskPolicyArn: { arn: `arn:aws:iam::aws:policy/root-task/${taskPolicy}` },
          DurationSeconds: ROOT_SESSION_MAX_SECONDS,
        }),
      );
      return new IAMClient(withCredentials(sessionCredentials(Credentials, 'AssumeRoot')));
    },
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

function sessionCredentials(
  credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } | undefined,
  call: string,
): SessionCredentials {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
    throw new Error(`${call} returned no credentials`);
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
  };
}
