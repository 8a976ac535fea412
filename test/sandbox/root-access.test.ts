/**
 * Centralized root access (AssumeRoot, root-session IAM per task policy, ListOrganizationsFeatures), the human root
 * step through the control API, its CloudTrail event, and Cost Explorer's linked-account access.
 */
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import {
  CreateLoginProfileCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  EntityAlreadyExistsException,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListSigningCertificatesCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { AssumeRootCommand, type AssumeRootCommandInput } from '@aws-sdk/client-sts';
import { type RunningSandbox } from '../../sandbox';
import { assumeMemberRole, clients, control, createAccount, rejection, startTestSandbox, type Creds } from './helpers';

let sb: RunningSandbox;
let member: string;

beforeAll(async () => {
  sb = await startTestSandbox({ timeScale: 10, createAccountDurationMs: 2000, accountReadyDelayMs: 1000, throttling: false });
  member = await createAccount(sb, 'member@example.com');
});
afterAll(async () => {
  await sb?.stop();
});

const task = (name: string) => ({ arn: `arn:aws:iam::aws:policy/root-task/${name}` });

async function rootSession(taskPolicy: string, accountId = member): Promise<Creds> {
  const r = await clients(sb).sts.send(new AssumeRootCommand({ TargetPrincipal: accountId, TaskPolicyArn: task(taskPolicy), DurationSeconds: 900 }));
  const c = r.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
}

function summary(map: Record<string, number> | undefined) {
  return {
    AccountPasswordPresent: map?.AccountPasswordPresent,
    AccountMFAEnabled: map?.AccountMFAEnabled,
    AccountAccessKeysPresent: map?.AccountAccessKeysPresent,
    AccountSigningCertificatesPresent: map?.AccountSigningCertificatesPresent,
  };
}

test('AssumeRoot issues ASIA session credentials for the five root-task policies only', async () => {
  const { sts } = clients(sb);
  const r = await sts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: task('IAMAuditRootUserCredentials'), DurationSeconds: 900 }));
  expect(r.Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
  expect(r.Credentials!.Expiration!.getTime()).toBeGreaterThan(Date.now() + 800_000);
  for (const name of ['IAMCreateRootUserPassword', 'IAMDeleteRootUserCredentials', 'S3UnlockBucketPolicy', 'SQSUnlockQueuePolicy']) {
    await sts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: task(name) }));
  }
  const refused: [AssumeRootCommandInput, string][] = [
    [{ TargetPrincipal: member, TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/AdministratorAccess' } }, 'ValidationError'],
    [{ TargetPrincipal: member, TaskPolicyArn: task('IAMDoAnything') }, 'ValidationError'],
    [{ TargetPrincipal: member, TaskPolicyArn: task('IAMAuditRootUserCredentials'), DurationSeconds: 901 }, 'ValidationError'],
    [{ TargetPrincipal: sb.organization.managementAccountId, TaskPolicyArn: task('IAMAuditRootUserCredentials') }, 'AccessDenied'],
    [{ TargetPrincipal: '999999999999', TaskPolicyArn: task('IAMAuditRootUserCredentials') }, 'AccessDenied'],
  ];
  for (const [input, name] of refused) {
    const err = await rejection(sts.send(new AssumeRootCommand(input)));
    expect({ input, name: err.name }).toEqual({ input, name });
  }
  // Only the management account may call it: not a role inside a member account.
  const memberCreds = await assumeMemberRole(sb, member);
  const fromMember = await rejection(
    clients(sb, { credentials: memberCreds }).sts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: task('IAMAuditRootUserCredentials') })),
  );
  expect(fromMember.name).toBe('AccessDenied');
  // Regional endpoint only: the global endpoint does not know the action.
  const global = await rejection(
    clients(sb, { endpoint: `${sb.endpoint}/global-sts` }).sts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: task('IAMAuditRootUserCredentials') })),
  );
  expect(global.name).toBe('InvalidAction');
});

test('a new account has no root credentials; the audit policy reads, and refuses to change anything', async () => {
  const iam = clients(sb, { credentials: await rootSession('IAMAuditRootUserCredentials') }).iam;
  const s = await iam.send(new GetAccountSummaryCommand({}));
  expect(summary(s.SummaryMap)).toEqual({ AccountPasswordPresent: 0, AccountMFAEnabled: 0, AccountAccessKeysPresent: 0, AccountSigningCertificatesPresent: 0 });
  expect((await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toEqual([]);
  expect((await iam.send(new ListMFADevicesCommand({}))).MFADevices).toEqual([]);
  expect((await iam.send(new ListSigningCertificatesCommand({}))).Certificates).toEqual([]);
  expect((await iam.send(new GetUserCommand({}))).User?.Arn).toBe(`arn:aws:iam::${member}:root`);
  const noProfile = await rejection(iam.send(new GetLoginProfileCommand({})));
  expect(noProfile).toBeInstanceOf(NoSuchEntityException);
  const denied = await rejection(iam.send(new CreateLoginProfileCommand({})));
  expect(denied.name).toBe('AccessDenied');
  expect(denied.message).toContain('iam:CreateLoginProfile');
});

test('IAMCreateRootUserPassword allows password recovery once; the root console step then needs it', async () => {
  const before = await control(sb, 'POST', `/sandbox/accounts/${member}/root-console/billing-access`, { enabled: true });
  expect(before.status).toBe(403);
  const iam = clients(sb, { credentials: await rootSession('IAMCreateRootUserPassword') }).iam;
  const created = await iam.send(new CreateLoginProfileCommand({}));
  expect(created.LoginProfile?.CreateDate).toBeInstanceOf(Date);
  expect((await iam.send(new GetLoginProfileCommand({}))).LoginProfile).toBeDefined();
  expect(await rejection(iam.send(new CreateLoginProfileCommand({})))).toBeInstanceOf(EntityAlreadyExistsException);
  expect((await rejection(iam.send(new ListAccessKeysCommand({})))).name).toBe('AccessDenied');

  const view = await control(sb, 'GET', `/sandbox/accounts/${member}/root-credentials`);
  expect(view.body).toEqual({ passwordPresent: true, mfaDevices: 0, accessKeys: 0, signingCertificates: 0 });
  const step = await control<{ billingAccess: boolean }>(sb, 'POST', `/sandbox/accounts/${member}/root-console/billing-access`, { enabled: true });
  expect(step.status).toBe(200);
  expect(step.body.billingAccess).toBe(true);
  expect((await control(sb, 'POST', `/sandbox/accounts/${member}/root-console/billing-access`, { enabled: 'yes' })).status).toBe(400);
});

test('CloudTrail LookupEvents in the member account shows the SetIAMAccessPreference event', async () => {
  const memberCreds = await assumeMemberRole(sb, member);
  const { cloudTrail } = clients(sb, { credentials: memberCreds });
  const r = await cloudTrail.send(
    new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'SetIAMAccessPreference' }] }),
  );
  expect(r.Events).toHaveLength(1);
  const e = r.Events![0];
  expect(e).toMatchObject({ EventName: 'SetIAMAccessPreference', EventSource: 'billingconsole.amazonaws.com', Username: 'root' });
  expect(e.EventTime).toBeInstanceOf(Date);
  expect(e.EventId).toBeTruthy();
  const detail = JSON.parse(e.CloudTrailEvent!) as Record<string, unknown>;
  expect(detail).toMatchObject({ eventName: 'SetIAMAccessPreference', recipientAccountId: member, userIdentity: { type: 'Root' } });
  // The management account's own history does not contain the member's event.
  const mine = await clients(sb).cloudTrail.send(
    new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'SetIAMAccessPreference' }] }),
  );
  expect(mine.Events).toEqual([]);
});

test('IAMDeleteRootUserCredentials removes planted root credentials until the audit shows none', async () => {
  const planted = await control(sb, 'POST', `/sandbox/accounts/${member}/root-credentials`, { mfaDevices: 1, accessKeys: 2, signingCertificates: 1 });
  expect(planted.body).toEqual({ passwordPresent: true, mfaDevices: 1, accessKeys: 2, signingCertificates: 1 });
  const iam = clients(sb, { credentials: await rootSession('IAMDeleteRootUserCredentials') }).iam;
  expect(summary((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap)).toEqual({
    AccountPasswordPresent: 1,
    AccountMFAEnabled: 1,
    AccountAccessKeysPresent: 1,
    AccountSigningCertificatesPresent: 1,
  });
  for (const k of (await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!) {
    expect(k.Status).toBe('Active');
    await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: k.AccessKeyId }));
  }
  for (const d of (await iam.send(new ListMFADevicesCommand({}))).MFADevices!) {
    await iam.send(new DeactivateMFADeviceCommand({ SerialNumber: d.SerialNumber } as never));
  }
  for (const c of (await iam.send(new ListSigningCertificatesCommand({}))).Certificates!) {
    await iam.send(new DeleteSigningCertificateCommand({ CertificateId: c.CertificateId }));
  }
  await iam.send(new DeleteLoginProfileCommand({}));
  expect(await rejection(iam.send(new DeleteLoginProfileCommand({})))).toBeInstanceOf(NoSuchEntityException);
  expect((await rejection(iam.send(new CreateLoginProfileCommand({})))).name).toBe('AccessDenied');

  const audit = clients(sb, { credentials: await rootSession('IAMAuditRootUserCredentials') }).iam;
  expect(summary((await audit.send(new GetAccountSummaryCommand({}))).SummaryMap)).toEqual({
    AccountPasswordPresent: 0,
    AccountMFAEnabled: 0,
    AccountAccessKeysPresent: 0,
    AccountSigningCertificatesPresent: 0,
  });
  expect((await control(sb, 'GET', `/sandbox/accounts/${member}/root-credentials`)).body).toEqual({
    passwordPresent: false,
    mfaDevices: 0,
    accessKeys: 0,
    signingCertificates: 0,
  });
});

test('iam:ListOrganizationsFeatures follows rootAccessFeatures; AssumeRoot needs RootSessions', async () => {
  const { iam, sts } = clients(sb);
  const on = await iam.send(new ListOrganizationsFeaturesCommand({}));
  expect(on.OrganizationId).toBe(sb.organization.organizationId);
  expect(on.EnabledFeatures?.sort()).toEqual(['RootCredentialsManagement', 'RootSessions']);
  sb.updateSettings({ rootAccessFeatures: false });
  try {
    expect((await iam.send(new ListOrganizationsFeaturesCommand({}))).EnabledFeatures).toEqual([]);
    const err = await rejection(sts.send(new AssumeRootCommand({ TargetPrincipal: member, TaskPolicyArn: task('IAMAuditRootUserCredentials') })));
    expect(err.name).toBe('AccessDenied');
  } finally {
    sb.updateSettings({ rootAccessFeatures: true });
  }
  const memberIam = clients(sb, { credentials: await assumeMemberRole(sb, member) }).iam;
  const notMgmt = await rejection(memberIam.send(new ListOrganizationsFeaturesCommand({})));
  expect(notMgmt.name).toBe('AccountNotManagementOrDelegatedAdministratorException');
});

test('Cost Explorer GetCostAndUsage from a member follows the org linked-account access switch', async () => {
  const input = { TimePeriod: { Start: '2025-01-01', End: '2025-01-02' }, Granularity: 'DAILY' as const, Metrics: ['UnblendedCost'] };
  const memberCe = clients(sb, { credentials: await assumeMemberRole(sb, member) }).costExplorer;
  const ok = await memberCe.send(new GetCostAndUsageCommand(input));
  expect(ok.ResultsByTime?.[0].TimePeriod).toEqual(input.TimePeriod);
  expect((await control(sb, 'POST', '/sandbox/linked-account-access', { enabled: false })).status).toBe(200);
  try {
    const denied = await rejection(memberCe.send(new GetCostAndUsageCommand(input)));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe('User not enabled for cost explorer access');
    expect(denied.$metadata).toMatchObject({ httpStatusCode: 400 });
    // The management account always gets an answer.
    expect((await clients(sb).costExplorer.send(new GetCostAndUsageCommand(input))).ResultsByTime).toHaveLength(1);
  } finally {
    await control(sb, 'POST', '/sandbox/linked-account-access', { enabled: true });
  }
  expect((await memberCe.send(new GetCostAndUsageCommand(input))).ResultsByTime).toHaveLength(1);
});
