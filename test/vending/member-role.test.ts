/**
 * A configured member role name (VEND_MEMBER_ROLE_NAME) is both the role CreateAccount puts into the account and the
 * role the worker assumes to look inside it: otherwise the request would wait at awaiting-ready forever.
 */
import { type VendingResult } from '../../contract/vending';
import { startTestEnv, type TestEnv } from '../support/env';
import { requestAccount, sandboxControl } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ memberRoleName: 'VendingAccessRole', sandbox: { timeScale: 10 }, policy: { readinessTimeoutMs: 20_000 } });
});
afterAll(async () => env?.stop());

test('the account is created with the configured role and becomes ready through it', async () => {
  const handle = await requestAccount(env, { email: 'custom-role-1@example.com' });
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  const state = await sandboxControl(env, 'GET', '/state');
  const account = state.body.accounts.find((a: { accountId: string }) => a.accountId === result.accountId);
  expect(account.roleName).toBe('VendingAccessRole');
});
