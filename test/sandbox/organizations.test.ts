/** CreateAccount's lifecycle, validation and failures, and the moto pass-through, through the real SDK clients. */
import { GetAlternateContactCommand, PutAlternateContactCommand } from '@aws-sdk/client-account';
import {
  AccessDeniedException,
  ConstraintViolationException,
  CreateAccountCommand,
  CreateAccountStatusNotFoundException,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  InvalidInputException,
  ListAccountsCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListCreateAccountStatusCommand,
  ListParentsCommand,
  ListRootsCommand,
  ListOrganizationalUnitsForParentCommand,
  MoveAccountCommand,
  type CreateAccountStatus,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type RunningSandbox } from '../../sandbox';
import { assumeMemberRole, clients, control, createAccount, rejection, sleep, startTestSandbox, waitFor } from './helpers';

let sb: RunningSandbox;

beforeAll(async () => {
  // Creation takes 400 ms and readiness 300 ms of wall time; throttling off here (throttling.test.ts covers it).
  sb = await startTestSandbox({ timeScale: 10, createAccountDurationMs: 4000, accountReadyDelayMs: 3000, throttling: false });
});
afterAll(async () => {
  await sb?.stop();
});

async function status(id: string): Promise<CreateAccountStatus> {
  const r = await clients(sb).organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: id }));
  return r.CreateAccountStatus!;
}

async function settled(id: string): Promise<CreateAccountStatus> {
  return waitFor(`request ${id}`, async () => {
    const s = await status(id);
    return s.State === 'IN_PROGRESS' ? undefined : s;
  });
}

test('the seeded organization: root, OUs Sandbox and Workloads, trusted access for IAM and Account', async () => {
  const { organizations } = clients(sb);
  const roots = await organizations.send(new ListRootsCommand({}));
  expect(roots.Roots![0].Id).toBe(sb.organization.rootId);
  const ous = await organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: sb.organization.rootId }));
  expect(Object.fromEntries(ous.OrganizationalUnits!.map((o) => [o.Name, o.Id]))).toEqual(sb.organization.organizationalUnits);
  const access = await organizations.send(new ListAWSServiceAccessForOrganizationCommand({}));
  expect(access.EnabledServicePrincipals!.map((p) => p.ServicePrincipal).sort()).toEqual(['account.amazonaws.com', 'iam.amazonaws.com']);
  expect(sb.organization.managementAccountId).toBe('123456789012');
});

test('CreateAccount stays IN_PROGRESS, then SUCCEEDED; the account is listed without anyone polling', async () => {
  const { organizations } = clients(sb);
  const created = await organizations.send(
    new CreateAccountCommand({ Email: 'lifecycle@example.com', AccountName: 'Lifecycle', IamUserAccessToBilling: 'ALLOW', Tags: [{ Key: 'team', Value: 'a' }] }),
  );
  const s = created.CreateAccountStatus!;
  expect(s.Id).toMatch(/^car-[a-z0-9]{8,32}$/);
  expect(s.State).toBe('IN_PROGRESS');
  expect(s.AccountName).toBe('Lifecycle');
  expect(s.RequestedTimestamp).toBeInstanceOf(Date);
  expect((await status(s.Id!)).State).toBe('IN_PROGRESS');
  await sleep(700);
  const accounts = await organizations.send(new ListAccountsCommand({}));
  const account = accounts.Accounts!.find((a) => a.Email === 'lifecycle@example.com');
  expect(account?.State).toBe('ACTIVE');
  const done = await status(s.Id!);
  expect(done).toMatchObject({ State: 'SUCCEEDED', AccountId: account!.Id, AccountName: 'Lifecycle' });
  expect(done.CompletedTimestamp).toBeInstanceOf(Date);
  expect((done as Record<string, unknown>).Email).toBeUndefined(); // AWS's status record carries no email
  const described = await organizations.send(new DescribeAccountCommand({ AccountId: account!.Id }));
  expect(described.Account?.Name).toBe('Lifecycle');
});

test('CreateAccount input validation answers InvalidInputException / ConstraintViolationException with a Reason', async () => {
  const { organizations } = clients(sb);
  const cases: [Record<string, unknown>, string][] = [
    [{ Email: 'a@b.c', AccountName: 'x' }, 'MIN_LENGTH_EXCEEDED'],
    [{ Email: `${'a'.repeat(60)}@example.com`, AccountName: 'x' }, 'MAX_LENGTH_EXCEEDED'],
    [{ Email: 'not-an-email', AccountName: 'x' }, 'INVALID_PATTERN'],
    [{ Email: 'ok@example.com', AccountName: 'x'.repeat(51) }, 'MAX_LENGTH_EXCEEDED'],
    [{ Email: 'ok@example.com', AccountName: 'caf\u00e9' }, 'INVALID_PATTERN'],
    [{ Email: 'ok@example.com', AccountName: 'x', IamUserAccessToBilling: 'MAYBE' }, 'INVALID_ENUM'],
    [{ Email: 'ok@example.com', AccountName: 'x', Tags: [{ Key: 'k', Value: '1' }, { Key: 'k', Value: '2' }] }, 'DUPLICATE_TAG_KEY'],
  ];
  for (const [input, reason] of cases) {
    const err = await rejection(organizations.send(new CreateAccountCommand(input as never)));
    expect(err).toBeInstanceOf(InvalidInputException);
    expect({ input, reason: err.Reason }).toEqual({ input, reason });
  }
  const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  const tooMany = await rejection(organizations.send(new CreateAccountCommand({ Email: 'ok@example.com', AccountName: 'x', Tags: tags })));
  expect(tooMany).toBeInstanceOf(ConstraintViolationException);
  expect(tooMany.Reason).toBe('MAX_TAG_LIMIT_EXCEEDED');
});

test('a used email is accepted, then FAILED with EMAIL_ALREADY_EXISTS', async () => {
  await createAccount(sb, 'dup@example.com');
  const { organizations } = clients(sb);
  const again = await organizations.send(new CreateAccountCommand({ Email: 'dup@example.com', AccountName: 'Dup again' }));
  expect(again.CreateAccountStatus!.State).toBe('IN_PROGRESS');
  expect(await settled(again.CreateAccountStatus!.Id!)).toMatchObject({ State: 'FAILED', FailureReason: 'EMAIL_ALREADY_EXISTS' });
  // The management account's email counts too.
  const mgmt = await organizations.send(new CreateAccountCommand({ Email: 'master@example.com', AccountName: 'Mgmt' }));
  expect((await settled(mgmt.CreateAccountStatus!.Id!)).FailureReason).toBe('EMAIL_ALREADY_EXISTS');
});

test('forcedCreateFailures fail matching requests `times` times, then creation succeeds', async () => {
  sb.updateSettings({ forcedCreateFailures: [{ emailPattern: '^flaky\\+', reason: 'INTERNAL_FAILURE', times: 1 }] });
  try {
    const { organizations } = clients(sb);
    const first = await organizations.send(new CreateAccountCommand({ Email: 'flaky+1@example.com', AccountName: 'Flaky' }));
    expect(await settled(first.CreateAccountStatus!.Id!)).toMatchObject({ State: 'FAILED', FailureReason: 'INTERNAL_FAILURE' });
    const second = await organizations.send(new CreateAccountCommand({ Email: 'flaky+1@example.com', AccountName: 'Flaky' }));
    expect((await settled(second.CreateAccountStatus!.Id!)).State).toBe('SUCCEEDED');
  } finally {
    sb.updateSettings({ forcedCreateFailures: [] });
  }
});

test('beyond maxAccounts creation FAILS with ACCOUNT_LIMIT_EXCEEDED', async () => {
  const { organizations } = clients(sb);
  const listed = await organizations.send(new ListAccountsCommand({}));
  sb.updateSettings({ maxAccounts: listed.Accounts!.length });
  try {
    const r = await organizations.send(new CreateAccountCommand({ Email: 'over@example.com', AccountName: 'Over' }));
    expect(await settled(r.CreateAccountStatus!.Id!)).toMatchObject({ State: 'FAILED', FailureReason: 'ACCOUNT_LIMIT_EXCEEDED' });
  } finally {
    sb.updateSettings({ maxAccounts: 100_000 });
  }
});

test('DescribeCreateAccountStatus: unknown id -> CreateAccountStatusNotFoundException; malformed -> InvalidInputException', async () => {
  const { organizations } = clients(sb);
  const unknown = await rejection(organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: 'car-00000000000000000000' })));
  expect(unknown).toBeInstanceOf(CreateAccountStatusNotFoundException);
  expect(unknown.name).toBe('CreateAccountStatusNotFoundException');
  const malformed = await rejection(organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: 'nope' })));
  expect(malformed).toBeInstanceOf(InvalidInputException);
  expect(malformed.Reason).toBe('INVALID_PATTERN');
});

test('ListCreateAccountStatus filters by States and paginates consistently with DescribeCreateAccountStatus', async () => {
  const { organizations } = clients(sb);
  const all: CreateAccountStatus[] = [];
  let token: string | undefined;
  do {
    const page = await organizations.send(new ListCreateAccountStatusCommand({ MaxResults: 2, NextToken: token }));
    expect(page.CreateAccountStatuses!.length).toBeLessThanOrEqual(2);
    all.push(...page.CreateAccountStatuses!);
    token = page.NextToken;
  } while (token);
  expect(all.length).toBeGreaterThanOrEqual(5);
  for (const s of all.slice(0, 3)) expect(await status(s.Id!)).toEqual(s);
  const failed = await organizations.send(new ListCreateAccountStatusCommand({ States: ['FAILED'] }));
  expect(failed.CreateAccountStatuses!.length).toBeGreaterThan(0);
  expect(failed.CreateAccountStatuses!.every((s) => s.State === 'FAILED')).toBe(true);
  expect(failed.CreateAccountStatuses!.length).toBe(all.filter((s) => s.State === 'FAILED').length);
  const bad = await rejection(organizations.send(new ListCreateAccountStatusCommand({ NextToken: 'garbage' })));
  expect(bad).toBeInstanceOf(InvalidInputException);
});

test('MoveAccount / ListParents pass through to moto', async () => {
  const accountId = await createAccount(sb, 'mover@example.com');
  const { organizations } = clients(sb);
  const before = await organizations.send(new ListParentsCommand({ ChildId: accountId }));
  expect(before.Parents).toEqual([{ Id: sb.organization.rootId, Type: 'ROOT' }]);
  await organizations.send(
    new MoveAccountCommand({ AccountId: accountId, SourceParentId: sb.organization.rootId, DestinationParentId: sb.organization.organizationalUnits.Workloads }),
  );
  const after = await organizations.send(new ListParentsCommand({ ChildId: accountId }));
  expect(after.Parents).toEqual([{ Id: sb.organization.organizationalUnits.Workloads, Type: 'ORGANIZATIONAL_UNIT' }]);
});

test('AssumeRole into a new account is refused (AccessDenied) until it is ready; keys then act as that account', async () => {
  const { organizations, sts } = clients(sb);
  const r = await organizations.send(new CreateAccountCommand({ Email: 'ready@example.com', AccountName: 'Ready' }));
  const done = await settled(r.CreateAccountStatus!.Id!);
  const roleArn = `arn:aws:iam::${done.AccountId}:role/OrganizationAccountAccessRole`;
  const early = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'early' })));
  expect(early.name).toBe('AccessDenied');
  expect(early.message).toContain('sts:AssumeRole');
  const wrongRole = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${done.AccountId}:role/Nope`, RoleSessionName: 'x' })));
  expect(wrongRole.name).toBe('AccessDenied');
  const creds = await assumeMemberRole(sb, done.AccountId!);
  const me = await clients(sb, { credentials: creds }).sts.send(new GetCallerIdentityCommand({}));
  expect(me.Account).toBe(done.AccountId);
  // Only the management account creates accounts.
  const denied = await rejection(
    clients(sb, { credentials: creds }).organizations.send(new CreateAccountCommand({ Email: 'x@example.com', AccountName: 'x' })),
  );
  expect(denied).toBeInstanceOf(AccessDeniedException);
});

test('Account Management alternate contacts (moto) work across accounts', async () => {
  const accountId = await createAccount(sb, 'contacts@example.com');
  const { account } = clients(sb);
  await account.send(
    new PutAlternateContactCommand({ AccountId: accountId, AlternateContactType: 'SECURITY', Name: 'Sec', Title: 'CISO', EmailAddress: 'sec@example.com', PhoneNumber: '+1 555 0100' }),
  );
  const got = await account.send(new GetAlternateContactCommand({ AccountId: accountId, AlternateContactType: 'SECURITY' }));
  expect(got.AlternateContact).toMatchObject({ Name: 'Sec', EmailAddress: 'sec@example.com' });
});

test('control API validates bodies (400 with the problem) and reset restores the seeded organization', async () => {
  const bad = await control<{ error: string }>(sb, 'POST', '/sandbox/settings', { timeScale: -1 });
  expect(bad.status).toBe(400);
  expect(bad.body.error).toMatch(/timeScale/);
  const unknown = await control<{ error: string }>(sb, 'POST', '/sandbox/faults', { throttleRate: 2 });
  expect(unknown.status).toBe(400);
  const state = await control<{ counters: Record<string, { calls: number }>; accounts: unknown[] }>(sb, 'GET', '/sandbox/state');
  expect(state.body.counters['organizations:CreateAccount'].calls).toBeGreaterThan(5);
  expect(state.body.accounts.length).toBeGreaterThan(0);

  const oldRoot = sb.organization.rootId;
  const reset = await control(sb, 'POST', '/sandbox/reset');
  expect(reset.status).toBe(200);
  expect(sb.organization.rootId).not.toBe(oldRoot);
  const accounts = await clients(sb).organizations.send(new ListAccountsCommand({}));
  expect(accounts.Accounts!.map((a) => a.Id)).toEqual([sb.organization.managementAccountId]);
  const after = await control<{ createAccountRequests: unknown[] }>(sb, 'GET', '/sandbox/state');
  expect(after.body.createAccountRequests).toEqual([]);
});
