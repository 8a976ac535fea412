/**
 * The sandbox's CloseAccount through the real SDK clients: PENDING_CLOSURE then SUSPENDED in DescribeAccount and the
 * lists, the CloudTrail CloseAccountResult event, the rolling quota and the closures-at-once limit with their reasons,
 * AccountAlreadyClosed, AccountNotFound, the management account, member accounts only, and SUSPENDED accounts counting
 * toward the organization's account quota (their email stays taken); and a closure in progress when the sandbox stops
 * completes after it starts again on its data folder.
 */
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  AccountAlreadyClosedException,
  AccountNotFoundException,
  CloseAccountCommand,
  ConstraintViolationException,
  CreateAccountCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { assumeMemberRole, clients, control, rejection, startTestSandbox, waitFor } from '../sandbox/helpers';

let sb: RunningSandbox;
let org: OrganizationsClient;

beforeAll(async () => {
  // A closure stays PENDING_CLOSURE 300 ms of wall time; AWS's quota numbers, but a minimum of 3 per window here.
  sb = await startTestSandbox({ timeScale: 10, closeAccountDurationMs: 3_000, throttling: false, closeAccountQuotaMin: 3, maxClosuresInProgress: 2 });
  org = clients(sb).organizations;
});
afterAll(async () => sb?.stop());

async function members(count: number, organizationalUnit = 'Workloads'): Promise<string[]> {
  const res = await control<{ accountIds: string[] }>(sb, 'POST', '/sandbox/member-accounts', { count, organizationalUnit });
  expect(res.status).toBe(200);
  return res.body.accountIds;
}

const stateOf = async (accountId: string) => (await org.send(new DescribeAccountCommand({ AccountId: accountId }))).Account!;

test('CloseAccount: PENDING_CLOSURE in DescribeAccount and both lists, then SUSPENDED with a CloseAccountResult event', async () => {
  const [accountId] = await members(1);
  expect((await stateOf(accountId)).State).toBe('ACTIVE');
  await org.send(new CloseAccountCommand({ AccountId: accountId }));

  const pending = await stateOf(accountId);
  expect({ State: pending.State, Status: pending.Status }).toEqual({ State: 'PENDING_CLOSURE', Status: 'PENDING_CLOSURE' });
  const listed = (await org.send(new ListAccountsCommand({}))).Accounts!.find((a) => a.Id === accountId);
  expect(listed?.State).toBe('PENDING_CLOSURE');
  const inOu = (await org.send(new ListAccountsForParentCommand({ ParentId: sb.organization.organizationalUnits.Workloads }))).Accounts!.find((a) => a.Id === accountId);
  expect(inOu?.State).toBe('PENDING_CLOSURE');

  await waitFor('SUSPENDED', async () => ((await stateOf(accountId)).State === 'SUSPENDED' ? true : undefined));
  const { Events } = await clients(sb).cloudTrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CloseAccountResult' }] }));
  const event = Events!.map((e) => JSON.parse(e.CloudTrailEvent!)).find((e) => e.serviceEventDetails.closeAccountStatus.accountId === accountId);
  expect(event).toMatchObject({ eventSource: 'organizations.amazonaws.com', eventType: 'AwsServiceEvent', serviceEventDetails: { closeAccountStatus: { state: 'SUCCEEDED' } } });

  const again = await rejection(org.send(new CloseAccountCommand({ AccountId: accountId })));
  expect(again).toBeInstanceOf(AccountAlreadyClosedException);
});

test('refusals: the management account, an unknown account, a member account calling, a malformed id', async () => {
  const management = await rejection(org.send(new CloseAccountCommand({ AccountId: sb.organization.managementAccountId })));
  expect(management).toBeInstanceOf(ConstraintViolationException);
  expect(management.Reason).toBe('CANNOT_CLOSE_MANAGEMENT_ACCOUNT');
  expect(await rejection(org.send(new CloseAccountCommand({ AccountId: '000000000000' })))).toBeInstanceOf(AccountNotFoundException);
  expect((await rejection(org.send(new CloseAccountCommand({ AccountId: 'nope' })))).name).toBe('InvalidInputException');
  const [member, other] = await members(2);
  const memberOrg = clients(sb, { credentials: await assumeMemberRole(sb, member) }).organizations;
  expect((await rejection(memberOrg.send(new CloseAccountCommand({ AccountId: other })))).name).toBe('AccessDeniedException');
});

test('the closures-at-once limit, then the rolling quota: each refused with its reason, nothing closed by a refusal', async () => {
  await control(sb, 'POST', '/sandbox/reset');
  // 40 members: 10% is 4, above the minimum of 3.
  const ids = await members(40);
  await org.send(new CloseAccountCommand({ AccountId: ids[0] }));
  await org.send(new CloseAccountCommand({ AccountId: ids[1] }));
  const limit = await rejection(org.send(new CloseAccountCommand({ AccountId: ids[2] })));
  expect(limit).toBeInstanceOf(ConstraintViolationException);
  expect(limit.Reason).toBe('CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED');
  expect((await stateOf(ids[2])).State).toBe('ACTIVE');

  await waitFor('both SUSPENDED', async () => ((await stateOf(ids[1])).State === 'SUSPENDED' && (await stateOf(ids[0])).State === 'SUSPENDED' ? true : undefined));
  await org.send(new CloseAccountCommand({ AccountId: ids[2] }));
  await org.send(new CloseAccountCommand({ AccountId: ids[3] }));
  await waitFor('four SUSPENDED', async () => ((await stateOf(ids[3])).State === 'SUSPENDED' ? true : undefined));
  const quota = await rejection(org.send(new CloseAccountCommand({ AccountId: ids[4] })));
  expect(quota).toBeInstanceOf(ConstraintViolationException);
  expect(quota.Reason).toBe('CLOSE_ACCOUNT_QUOTA_EXCEEDED');
  expect((await stateOf(ids[4])).State).toBe('ACTIVE');

  const state = await control<any>(sb, 'GET', '/sandbox/state');
  expect(state.body.accountClosures).toMatchObject({ acceptedInWindow: 4, peakInProgress: 2, refused: { quota: 1, requestsLimit: 1 } });
});

test('SUSPENDED accounts count toward the account quota and keep their email', async () => {
  await control(sb, 'POST', '/sandbox/reset');
  const [closing] = await members(1);
  const email = (await stateOf(closing)).Email!;
  await org.send(new CloseAccountCommand({ AccountId: closing }));
  await waitFor('SUSPENDED', async () => ((await stateOf(closing)).State === 'SUSPENDED' ? true : undefined));
  // Management + the suspended member = 2 accounts: a limit of 2 leaves no room for a third.
  await control(sb, 'POST', '/sandbox/settings', { maxAccounts: 2 });
  const failure = async (requestEmail: string) => {
    const created = await org.send(new CreateAccountCommand({ Email: requestEmail, AccountName: requestEmail.split('@')[0] }));
    return waitFor('the creation to end', async () => {
      const s = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus!.Id! }))).CreateAccountStatus!;
      return s.State === 'IN_PROGRESS' ? undefined : s.FailureReason;
    });
  };
  expect(await failure('third-account@example.com')).toBe('ACCOUNT_LIMIT_EXCEEDED');
  await control(sb, 'POST', '/sandbox/settings', { maxAccounts: 100_000 });
  expect(await failure(email)).toBe('EMAIL_ALREADY_EXISTS');
});

test('stopped while a closure is PENDING_CLOSURE, started again on its data folder: the closure completes; records, quota log, refusals and peak are kept', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vend-closure-state-'));
  const started: RunningSandbox[] = [];
  const start = async (settings?: Parameters<typeof startSandbox>[0]['settings']) => {
    const s = await startSandbox({ motoServerBin: process.env.VEND_TEST_MOTO_SERVER as string, dataDir: dir, settings });
    started.push(s);
    return s;
  };
  try {
    const first = await start({ timeScale: 10, closeAccountDurationMs: 3_000, throttling: false, maxClosuresInProgress: 1 });
    const firstOrg = clients(first).organizations;
    const ids = (await control<{ accountIds: string[] }>(first, 'POST', '/sandbox/member-accounts', { count: 3 })).body.accountIds;
    const describe = async (o: OrganizationsClient, id: string) => (await o.send(new DescribeAccountCommand({ AccountId: id }))).Account!.State;
    await firstOrg.send(new CloseAccountCommand({ AccountId: ids[0] }));
    await waitFor('the first closure SUSPENDED', async () => ((await describe(firstOrg, ids[0])) === 'SUSPENDED' ? true : undefined));
    // The second stays PENDING_CLOSURE for 150 s of AWS time (15 s here): it is in progress when the sandbox stops.
    first.updateSettings({ closeAccountDurationMs: 150_000 });
    await firstOrg.send(new CloseAccountCommand({ AccountId: ids[1] }));
    const limit = await rejection(firstOrg.send(new CloseAccountCommand({ AccountId: ids[2] })));
    expect(limit.Reason).toBe('CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED');
    const before = (await control<any>(first, 'GET', '/sandbox/state')).body.accountClosures;
    expect(before).toMatchObject({ acceptedInWindow: 2, peakInProgress: 1, refused: { quota: 0, requestsLimit: 1, alreadyClosed: 0 } });
    expect(before.accounts.map((a: { state: string }) => a.state)).toEqual(['SUSPENDED', 'PENDING_CLOSURE']);
    await first.stop();

    const second = await start();
    const org2 = clients(second).organizations;
    expect((await control<any>(second, 'GET', '/sandbox/state')).body.accountClosures).toEqual(before);
    expect(await describe(org2, ids[1])).toBe('PENDING_CLOSURE');
    // Its scheduled change came back with the time it had left: SUSPENDED in moto and the gateway, with its event.
    await waitFor('the restored closure SUSPENDED', async () => ((await describe(org2, ids[1])) === 'SUSPENDED' ? true : undefined), 40_000);
    const { Events } = await clients(second).cloudTrail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CloseAccountResult' }] }),
    );
    const results = Events!.map((e) => JSON.parse(e.CloudTrailEvent!).serviceEventDetails.closeAccountStatus);
    expect(results.map((r) => r.accountId).sort()).toEqual([ids[0], ids[1]].sort());
    const restored = results.find((r) => r.accountId === ids[1]);
    // AWS keeps it PENDING_CLOSURE for its whole duration; the restart does not cut it short.
    expect(Date.parse(restored.completedTimestamp) - Date.parse(restored.requestedTimestamp)).toBeGreaterThanOrEqual(15_000 - 1_000);
    expect(await describe(org2, ids[0])).toBe('SUSPENDED');
    expect(await describe(org2, ids[2])).toBe('ACTIVE');
    expect((await control<any>(second, 'GET', '/sandbox/state')).body.accountClosures).toMatchObject({ peakInProgress: 1, refused: before.refused });
  } finally {
    for (const s of started) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
