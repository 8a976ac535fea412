/** Creation as AWS does it: minutes IN_PROGRESS, FAILED with reasons, some final, some worth retrying. */
import { CreateAccountCommand, DescribeCreateAccountStatusCommand, ListAccountsCommand } from '@aws-sdk/client-organizations';
import { WorkflowFailedError } from '@temporalio/client';
import { statusQuery, type VendingResult } from '../../contract/vending';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { requestAccount, waitForStage } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({
    sandbox: {
      timeScale: 10,
      forcedCreateFailures: [
        { emailPattern: '^foreign-', reason: 'EMAIL_ALREADY_EXISTS' },
        { emailPattern: '^full-', reason: 'ACCOUNT_LIMIT_EXCEEDED' },
        { emailPattern: '^flaky-', reason: 'INTERNAL_FAILURE', times: 1 },
      ],
    },
  });
});
afterAll(async () => env?.stop());

async function failureOf(email: string): Promise<string> {
  const handle = await requestAccount(env, { email });
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  const status = await handle.query(statusQuery);
  expect(status.stage).toBe('failed');
  return status.failure?.message ?? '';
}

test('a creation that stays IN_PROGRESS is polled until it succeeds', async () => {
  env.sandbox.updateSettings({ createAccountDurationMs: 30_000 }); // 3 s at time scale 10
  try {
    const handle = await requestAccount(env, { email: 'slow-1@example.com' });
    const creating = await waitFor('a create request id', async () => {
      const status = await handle.query(statusQuery);
      return status.createAccountRequestId ? status : undefined;
    });
    expect(creating.stage).toBe('creating');
    const { CreateAccountStatus } = await env.aws.organizations.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: creating.createAccountRequestId }),
    );
    expect(CreateAccountStatus?.State).toBe('IN_PROGRESS');
    const result: VendingResult = await handle.result();
    expect(result.stage).toBe('completed');
    const created = Date.parse(result.timeline.find((t) => t.stage === 'placing')!.enteredAt);
    const started = Date.parse(result.timeline.find((t) => t.stage === 'creating')!.enteredAt);
    expect(created - started).toBeGreaterThanOrEqual(2_500);
  } finally {
    env.sandbox.updateSettings({ createAccountDurationMs: 3_000 });
  }
});

test('EMAIL_ALREADY_EXISTS (an account outside the org) fails with what to do', async () => {
  expect(await failureOf('foreign-1@example.com')).toMatch(/EMAIL_ALREADY_EXISTS.*use another email/);
});

test('ACCOUNT_LIMIT_EXCEEDED fails with the quota explanation', async () => {
  expect(await failureOf('full-1@example.com')).toMatch(/ACCOUNT_LIMIT_EXCEEDED.*quota/);
});

test('INTERNAL_FAILURE once, then the re-created account succeeds: exactly one account', async () => {
  const handle = await requestAccount(env, { email: 'flaky-1@example.com' });
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  expect(result.timeline.some((t) => t.note?.startsWith('INTERNAL_FAILURE'))).toBe(true);
  const { Accounts } = await env.aws.organizations.send(new ListAccountsCommand({}));
  expect(Accounts?.filter((a) => a.Email === 'flaky-1@example.com')).toHaveLength(1);
});

test('an email already used by an account of the org that this request did not create fails, naming it', async () => {
  const { CreateAccountStatus } = await env.aws.organizations.send(
    new CreateAccountCommand({ AccountName: 'someone-else', Email: 'taken-1@example.com' }),
  );
  const accountId = await waitFor('the foreign account', async () => {
    const { CreateAccountStatus: s } = await env.aws.organizations.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus!.Id }),
    );
    return s?.State === 'SUCCEEDED' ? s.AccountId : undefined;
  });
  expect(await failureOf('taken-1@example.com')).toMatch(new RegExp(`account ${accountId} .*not created by this request`));
});

test('a retry of the same request (same email) while it is live is refused, not duplicated', async () => {
  const handle = await requestAccount(env, { email: 'twice-1@example.com' });
  await expect(requestAccount(env, { email: 'twice-1@example.com' })).rejects.toThrow(/email-already-requested/);
  await waitForStage(handle, 'completed');
});
