/**
 * The day-1 baseline's AWS kept across a sandbox restart on its data folder, as `npm start` keeps it: a region
 * ENABLING and an Identity Center assignment creation IN_PROGRESS when the sandbox stops come back in progress and
 * finish after the start (never lost, never started again); the primary contact, the baseline's counters and the
 * seeded Identity Center and organization policies come back as they were, each exactly once.
 */
import { AccountClient, EnableRegionCommand, GetContactInformationCommand, GetRegionOptStatusCommand, PutContactInformationCommand } from '@aws-sdk/client-account';
import { IdentitystoreClient, ListGroupsCommand, ListUsersCommand } from '@aws-sdk/client-identitystore';
import { ListPoliciesCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { control, createAccount, waitFor } from '../sandbox/helpers';

const motoServerBin = process.env.VEND_TEST_MOTO_SERVER as string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'vend-baseline-restart-'));
const running: RunningSandbox[] = [];

afterAll(async () => {
  for (const sb of running) await sb.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(settings?: Parameters<typeof startSandbox>[0]['settings']): Promise<RunningSandbox> {
  const sb = await startSandbox({ motoServerBin, dataDir: dir, settings });
  running.push(sb);
  return sb;
}

async function stop(sb: RunningSandbox): Promise<void> {
  await sb.stop();
  running.splice(running.indexOf(sb), 1);
}

function clientsOf(sb: RunningSandbox) {
  const c = { endpoint: sb.endpoint, region: sb.region, credentials: sb.credentials, maxAttempts: 5 };
  return { account: new AccountClient(c), ssoAdmin: new SSOAdminClient(c), identityStore: new IdentitystoreClient(c), organizations: new OrganizationsClient(c) };
}

/** What the baseline's services show of the organization and of one account. */
async function observe(sb: RunningSandbox, accountId: string, instanceArn: string, identityStoreId: string) {
  const { account, ssoAdmin, identityStore, organizations } = clientsOf(sb);
  const policies = async (Filter: 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY') =>
    (await organizations.send(new ListPoliciesCommand({ Filter }))).Policies!.map((p) => p.Name).sort();
  const gateway = (await control<{ baseline: Record<string, unknown> }>(sb, 'GET', '/sandbox/state')).body;
  return {
    contact: (await account.send(new GetContactInformationCommand({ AccountId: accountId }))).ContactInformation,
    counters: gateway.baseline,
    permissionSets: (await ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn }))).PermissionSets!.sort(),
    groups: (await identityStore.send(new ListGroupsCommand({ IdentityStoreId: identityStoreId }))).Groups!.map((g) => [g.GroupId, g.DisplayName]).sort(),
    users: (await identityStore.send(new ListUsersCommand({ IdentityStoreId: identityStoreId }))).Users!.map((u) => [u.UserId, u.UserName]).sort(),
    serviceControlPolicies: await policies('SERVICE_CONTROL_POLICY'),
    resourceControlPolicies: await policies('RESOURCE_CONTROL_POLICY'),
  };
}

test('a region ENABLING and an assignment creation in progress survive a restart and finish after it; contacts, counters and seeded principals come back once', async () => {
  // Both waits are 30 minutes of AWS time, 15 s here: still running when the sandbox stops right after the calls.
  const first = await start({ timeScale: 120, createAccountDurationMs: 1_000, accountReadyDelayMs: 0, throttling: false, regionEnableDurationMs: 30 * 60_000, assignmentCreationMs: 30 * 60_000 });
  const accountId = await createAccount(first, 'baseline-restart@example.com');
  const { account, ssoAdmin, identityStore } = clientsOf(first);
  const { InstanceArn: instanceArn, IdentityStoreId: identityStoreId } = (await ssoAdmin.send(new ListInstancesCommand({}))).Instances![0];
  const permissionSetArn = (await ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn }))).PermissionSets![0];
  const group = (await identityStore.send(new ListGroupsCommand({ IdentityStoreId: identityStoreId }))).Groups![0];

  await account.send(new EnableRegionCommand({ AccountId: accountId, RegionName: 'eu-south-1' }));
  const created = await ssoAdmin.send(
    new CreateAccountAssignmentCommand({
      InstanceArn: instanceArn,
      TargetId: accountId,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: permissionSetArn,
      PrincipalType: 'GROUP',
      PrincipalId: group.GroupId,
    }),
  );
  const requestId = created.AccountAssignmentCreationStatus!.RequestId!;
  await account.send(
    new PutContactInformationCommand({
      AccountId: accountId,
      ContactInformation: { FullName: 'Platform Team', AddressLine1: '1 Main Street', City: 'Berlin', PostalCode: '10115', CountryCode: 'DE', PhoneNumber: '+49 30 1234567' },
    }),
  );
  expect((await account.send(new GetRegionOptStatusCommand({ AccountId: accountId, RegionName: 'eu-south-1' }))).RegionOptStatus).toBe('ENABLING');
  const status = (await ssoAdmin.send(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: instanceArn, AccountAssignmentCreationRequestId: requestId })))
    .AccountAssignmentCreationStatus!;
  expect(status.Status).toBe('IN_PROGRESS');
  const before = await observe(first, accountId, instanceArn!, identityStoreId!);
  expect(before.counters).toMatchObject({ regionEnables: 1, contactInformationPuts: 1, assignmentCreationsInProgress: 1 });
  expect(before.permissionSets).toHaveLength(3);
  await stop(first);

  const second = await start();
  const after = await observe(second, accountId, instanceArn!, identityStoreId!);
  // Everything as it was: the seeded principals and policies once each (restored, not seeded again).
  expect(after).toEqual({ ...before, counters: expect.objectContaining({ ...before.counters, assignmentCreationsInProgress: expect.any(Number) }) });
  const again = clientsOf(second);

  // The region was not forgotten (a lost record reads DISABLED) and becomes ENABLED when its time is up.
  const regionNow = (await again.account.send(new GetRegionOptStatusCommand({ AccountId: accountId, RegionName: 'eu-south-1' }))).RegionOptStatus;
  expect(['ENABLING', 'ENABLED']).toContain(regionNow);
  await waitFor(
    'eu-south-1 to be ENABLED',
    async () => ((await again.account.send(new GetRegionOptStatusCommand({ AccountId: accountId, RegionName: 'eu-south-1' }))).RegionOptStatus === 'ENABLED' ? true : undefined),
    60_000,
  );

  // The creation is still known by its request id (a lost one is ResourceNotFoundException) and succeeds.
  const done = await waitFor(
    'the assignment creation to finish',
    async () => {
      const s = (await again.ssoAdmin.send(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: instanceArn, AccountAssignmentCreationRequestId: requestId })))
        .AccountAssignmentCreationStatus!;
      return s.Status === 'IN_PROGRESS' ? undefined : s;
    },
    60_000,
  );
  expect(done.Status).toBe('SUCCEEDED');
  const assignments = (await again.ssoAdmin.send(new ListAccountAssignmentsCommand({ InstanceArn: instanceArn, AccountId: accountId, PermissionSetArn: permissionSetArn })))
    .AccountAssignments!;
  expect(assignments.map((a) => [a.PrincipalType, a.PrincipalId])).toEqual([['GROUP', group.GroupId]]);

  // Nothing was done twice across the restart: one EnableRegion change, one creation for the assignment.
  const { baseline } = (await control<{ baseline: Record<string, unknown> }>(second, 'GET', '/sandbox/state')).body;
  expect(baseline).toMatchObject({ regionEnables: 1, regionChangesRefused: 0, contactInformationPuts: 1, assignmentCreationsInProgress: 0 });
  expect(Object.values(baseline.assignmentCreations as Record<string, number>)).toEqual([1]);
  await stop(second);
}, 180_000);
