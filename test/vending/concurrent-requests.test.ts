/**
 * 30 requests at once against AWS's default quotas (5 creations in flight, CreateAccount 0.1/s burst 3,
 * DescribeCreateAccountStatus 2/s per org) with 20% of calls throttled on top: every request completes and no
 * account is created twice. Time scale 20 keeps the quota shape and runs it in seconds.
 */
import { paginateListAccounts } from '@aws-sdk/client-organizations';
import { type VendingResult } from '../../contract/vending';
import { startTestEnv, type TestEnv } from '../support/env';
import { requestAccount, sandboxControl } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ sandbox: { timeScale: 20, faults: { throttleRate: 0.2, errorRate: 0, latencyMs: 0 } } });
});
afterAll(async () => env?.stop());

test('30 concurrent requests with 20% injected throttling: all complete, no duplicate account', async () => {
  const emails = Array.from({ length: 30 }, (_, i) => `load-${i}@example.com`);
  const handles = await Promise.all(emails.map((email) => requestAccount(env, { email })));
  const results: VendingResult[] = await Promise.all(handles.map((h) => h.result()));

  expect(results.map((r) => r.stage)).toEqual(emails.map(() => 'completed'));
  const accountIds = results.map((r) => r.accountId);
  expect(new Set(accountIds).size).toBe(30);

  env.sandbox.updateSettings({ faults: { throttleRate: 0, errorRate: 0, latencyMs: 0 } });
  const byEmail = new Map<string, number>();
  for await (const page of paginateListAccounts({ client: env.aws.organizations }, {})) {
    for (const a of page.Accounts ?? []) byEmail.set(a.Email!, (byEmail.get(a.Email!) ?? 0) + 1);
  }
  for (const email of emails) expect(byEmail.get(email)).toBe(1);

  const state = await sandboxControl(env, 'GET', '/state');
  // The faults really happened, and AWS's 5-in-flight limit was never exceeded (the sandbox would have refused).
  expect(state.body.totals.throttled).toBeGreaterThan(0);
  const creates = state.body.createAccountRequests.filter((r: { email: string }) => r.email.startsWith('load-'));
  expect(creates).toHaveLength(30);
}, 180_000);
