/**
 * Every refusal of POST /v1/closure-requests answers a 4xx in the error shape, with a request id, and starts nothing:
 * a malformed body, no token, a role that may not ask, the management account, an account unknown to the organization,
 * one in (or below) a protected OU, one this engine did not vend (unless an operator adopts it), someone else's
 * account, one whose vending request still runs, one with a closure running, one closed already; a missing quarantine
 * OU is the operator's configuration problem (503). An adopted account and an idempotent repeat are accepted.
 */
import { CloseAccountCommand, DescribeAccountCommand } from '@aws-sdk/client-organizations';
import { type FastifyInstance } from 'fastify';
import { describeClosure } from '../../client/closure';
import { closureIdForAccount } from '../../contract/closure';
import { ClosureApiConfigSchema } from '../../client/api/closure-config';
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';
import { cancelClosureAs, prepareClosureOrganization, TEST_CLOSURE_POLICY, vendedAccount, type ClosureOrganization } from '../support/closure';
import { CAROL, requestAccount, sandboxControl, waitForStage } from '../support/vending';

let env: TestEnv;
let org: ClosureOrganization;
let alices: string;
let carols: string;

beforeAll(async () => {
  env = await startTestEnv({
    api: true,
    sandbox: { timeScale: 10, closeAccountDurationMs: 1_000 },
    closure: { policy: TEST_CLOSURE_POLICY },
    prepareOrganization: async (aws, sandbox) => {
      org = await prepareClosureOrganization(aws, sandbox);
      return org.config;
    },
  });
  [alices, carols] = await Promise.all([vendedAccount(env, 'refusals-alice@example.com'), vendedAccount(env, 'refusals-carol@example.com', 'carol')]);
}, 120_000);
afterAll(async () => env?.stop());

/** `token: null` sends none. */
const post = (body: unknown, token: string | null = 'dev-requester', headers: Record<string, string> = {}) =>
  api(env.apiUrl!, 'POST', '/v1/closure-requests', { token: token ?? undefined, body, headers });

async function members(count: number, organizationalUnit = 'Workloads'): Promise<string[]> {
  return (await sandboxControl(env, 'POST', '/member-accounts', { count, organizationalUnit })).body.accountIds;
}

/** The answer is the refusal it should be, in the error shape, and no closure of the account exists afterwards. */
async function refused(answer: Awaited<ReturnType<typeof post>>, status: number, code: string, accountId?: string): Promise<void> {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(answer.body.error.message).toEqual(expect.any(String));
  expect(answer.headers.get('x-request-id')).toBeTruthy();
  if (accountId) expect(await describeClosure(env.client, closureIdForAccount(accountId))).toBeUndefined();
}

test('malformed bodies (400), no token (401), a role that may not ask (403), adoption by a non-operator (403)', async () => {
  await refused(await post({ accountId: '12345', reason: 'x' }), 400, 'VALIDATION_FAILED');
  await refused(await post({ accountId: alices }), 400, 'VALIDATION_FAILED', alices);
  await refused(await post({ accountId: alices, reason: 'x', decidedBy: 'bob' }), 400, 'VALIDATION_FAILED', alices);
  await refused(await post({ accountId: alices, reason: 'bidi \u202E trick' }), 400, 'VALIDATION_FAILED', alices);
  await refused(await post({ accountId: alices, reason: 'x' }, null), 401, 'UNAUTHENTICATED', alices);
  await refused(await post({ accountId: alices, reason: 'x' }, 'dev-approver'), 403, 'FORBIDDEN', alices);
  await refused(await post({ accountId: alices, reason: 'x', adopt: true }), 403, 'ADOPTION_NOT_ALLOWED', alices);
});

test('the management account, an unknown account, someone else\'s account', async () => {
  const management = env.sandbox.organization.managementAccountId;
  await refused(await post({ accountId: management, reason: 'x', adopt: true }, 'dev-admin'), 422, 'MANAGEMENT_ACCOUNT', management);
  await refused(await post({ accountId: '999999999999', reason: 'x' }, 'dev-admin'), 422, 'UNKNOWN_ACCOUNT', '999999999999');
  await refused(await post({ accountId: carols, reason: 'not mine' }), 403, 'NOT_ACCOUNT_OWNER', carols);
});

test('accounts in a protected OU or below it, vended or not, even for an operator adopting them', async () => {
  const [inProtected] = await members(1, org.protectedOuId);
  const [inNested] = await members(1, org.nestedProtectedOuId);
  await refused(await post({ accountId: inProtected, reason: 'x', adopt: true }, 'dev-admin'), 422, 'PROTECTED_ORGANIZATIONAL_UNIT', inProtected);
  await refused(await post({ accountId: inNested, reason: 'x', adopt: true }, 'dev-admin'), 422, 'PROTECTED_ORGANIZATIONAL_UNIT', inNested);
  const handle = await requestAccount(env, { email: 'refusals-protected@example.com', organizationalUnit: 'Protected' });
  const vendedProtected = (await waitForStage(handle, 'completed', 60_000)).accountId!;
  await refused(await post({ accountId: vendedProtected, reason: 'x' }), 422, 'PROTECTED_ORGANIZATIONAL_UNIT', vendedProtected);
});

test('an account not vended here: refused unless an operator adopts it; then accepted as adopted', async () => {
  const [foreign] = await members(1);
  await refused(await post({ accountId: foreign, reason: 'x' }, 'dev-admin'), 422, 'ACCOUNT_NOT_VENDED', foreign);
  const adopted = await post({ accountId: foreign, reason: 'left over from the old factory', adopt: true }, 'dev-admin');
  expect(adopted.status).toBe(202);
  const view = await waitFor('the adopted closure to await a decision', async () => {
    const res = await api(env.apiUrl!, 'GET', `/v1/closure-requests/${adopted.body.id}`, { token: 'dev-admin' });
    return res.body.stage === 'awaiting-decision' ? res.body : undefined;
  });
  expect(view).toMatchObject({ adopted: true, requester: 'carol' });
  expect(view.owner).toBeUndefined();
  await cancelClosureAs(env, foreign, CAROL);
});

test('a closure already running (an idempotent repeat answers 200), an account closed already', async () => {
  const first = await post({ accountId: alices, reason: 'done' }, 'dev-requester', { 'idempotency-key': 'close-alices-1' });
  expect(first.status).toBe(202);
  const { runId } = (await describeClosure(env.client, first.body.id))!;
  const repeat = await post({ accountId: alices, reason: 'done' }, 'dev-requester', { 'idempotency-key': 'close-alices-1' });
  expect(repeat.status).toBe(200);
  expect(repeat.body.id).toBe(first.body.id);
  const again = await post({ accountId: alices, reason: 'done, really' });
  expect({ status: again.status, code: again.body.error.code }).toEqual({ status: 409, code: 'CLOSURE_ALREADY_REQUESTED' });
  expect((await describeClosure(env.client, first.body.id))!.runId).toBe(runId);
  await cancelClosureAs(env, alices, CAROL);

  // Closed outside this engine (the console): the directory shows it SUSPENDED once listed again.
  const [closedElsewhere] = await members(1);
  await env.aws.organizations.send(new CloseAccountCommand({ AccountId: closedElsewhere }));
  await waitFor('SUSPENDED', async () => {
    const { Account } = await env.aws.organizations.send(new DescribeAccountCommand({ AccountId: closedElsewhere }));
    return Account?.State === 'SUSPENDED' ? true : undefined;
  });
  await refused(await post({ accountId: closedElsewhere, reason: 'x', adopt: true }, 'dev-admin'), 409, 'ACCOUNT_ALREADY_CLOSED', closedElsewhere);
});

test('an account whose vending request is still running (awaiting its decision)', async () => {
  await sandboxControl(env, 'POST', '/linked-account-access', { enabled: false });
  try {
    const handle = await requestAccount(env, { email: 'refusals-running@example.com' });
    const waiting = await waitForStage(handle, 'awaiting-decision', 60_000);
    await refused(await post({ accountId: waiting.accountId, reason: 'x' }), 409, 'VENDING_IN_PROGRESS', waiting.accountId);
    await handle.cancel();
  } finally {
    await sandboxControl(env, 'POST', '/linked-account-access', { enabled: true });
  }
});

test('no quarantine OU in the organization: 503 CLOSURE_NOT_CONFIGURED, nothing started', async () => {
  const { buildApi } = await import('../../client/api/app');
  const { staticTokenAuthenticator } = await import('../../client/api/auth');
  const misconfigured: FastifyInstance = await buildApi({
    temporal: env.client,
    taskQueue: env.taskQueue,
    policy: env.policy,
    signer: env.signer,
    authenticator: staticTokenAuthenticator(),
    logLevel: 'silent',
    closure: ClosureApiConfigSchema.parse({ quarantineOrganizationalUnit: 'Graveyard' }),
  });
  const url = await misconfigured.listen({ host: '127.0.0.1', port: 0 });
  try {
    const answer = await api(url, 'POST', '/v1/closure-requests', { token: 'dev-admin', body: { accountId: carols, reason: 'x' } });
    expect({ status: answer.status, code: answer.body.error.code }).toEqual({ status: 503, code: 'CLOSURE_NOT_CONFIGURED' });
    expect(answer.body.error.message).toMatch(/Graveyard/);
    expect(await describeClosure(env.client, closureIdForAccount(carols))).toBeUndefined();
  } finally {
    await misconfigured.close();
  }
});
