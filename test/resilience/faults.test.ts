/**
 * 30% of AWS calls throttled and 5% answered 500 on top of AWS's own quotas: every request completes, each with
 * exactly one account and one creation, nothing left running.
 */
import { type VendingResult } from '../../contract/vending';
import { startTestEnv, type TestEnv } from '../support/env';
import { requestAccount, sandboxControl } from '../support/vending';
import { expectExactlyOneAccountPerEmail, expectNothingRunning, resultOf } from './support';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ sandbox: { timeScale: 20, faults: { throttleRate: 0.3, errorRate: 0.05 } } });
});
afterAll(async () => env?.stop());

test('30% throttling + 5% 500s: 20 requests all complete, no duplicate', async () => {
  const started = Date.now();
  const emails = Array.from({ length: 20 }, (_, i) => `faulty-${i}@example.com`);
  const handles = await Promise.all(emails.map((email) => requestAccount(env, { email })));
  const results = await Promise.all(handles.map((h) => resultOf<VendingResult>(h, 240_000)));
  const state = await sandboxControl(env, 'GET', '/state');
  process.stderr.write(
    `[faults] settled after ${Date.now() - started} ms; ${state.body.totals.calls} calls, ${state.body.totals.throttled} throttled, ${state.body.totals.faults} 5xx\n`,
  );
  // The faults really happened.
  expect(state.body.totals.throttled).toBeGreaterThan(0);
  expect(state.body.totals.faults).toBeGreaterThan(0);

  expect(results.map((r) => r.stage)).toEqual(emails.map(() => 'completed'));
  env.sandbox.updateSettings({ faults: { throttleRate: 0, errorRate: 0 } });
  await expectExactlyOneAccountPerEmail(env, emails);
  await expectNothingRunning(env);
}, 280_000);
