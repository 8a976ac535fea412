/**
 * The first vertical slice through the real parts: HTTP API -> Temporal dev server -> worker -> sandbox (moto +
 * gateway). A request becomes an account in the target OU and the workflow completes.
 */
import { ListParentsCommand, DescribeAccountCommand } from '@aws-sdk/client-organizations';
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ api: true, sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());

test('POST a request, GET shows it completed with a 12-digit account id in the target OU', async () => {
  const created = await api(env.apiUrl!, 'POST', '/v1/account-requests', {
    token: 'dev-requester',
    body: { accountName: 'slice-one', email: 'slice-one@example.com', organizationalUnit: 'Workloads' },
  });
  expect(created.status).toBe(202);
  expect(created.body).toMatchObject({ id: expect.stringMatching(/^vend-[0-9a-f]{24}$/), stage: 'preflight' });

  const done = await waitFor('the request to complete', async () => {
    const res = await api(env.apiUrl!, 'GET', `/v1/account-requests/${created.body.id}`, { token: 'dev-requester' });
    return res.body.stage === 'completed' ? res.body : undefined;
  });
  expect(done.accountId).toMatch(/^\d{12}$/);
  expect(done.requester).toBe('alice');
  expect(done.timeline.map((t: { stage: string }) => t.stage)).toEqual([
    'preflight',
    'creating',
    'placing',
    'awaiting-ready',
    'verifying-billing-access',
    'completed',
  ]);

  // The account really exists in the sandbox, in the Workloads OU.
  const { Account } = await env.aws.organizations.send(new DescribeAccountCommand({ AccountId: done.accountId }));
  expect(Account?.Email).toBe('slice-one@example.com');
  const { Parents } = await env.aws.organizations.send(new ListParentsCommand({ ChildId: done.accountId }));
  expect(Parents?.[0]?.Id).toBe(env.sandbox.organization.organizationalUnits.Workloads);

  // And Temporal's visibility finds it by the custom search attribute.
  const found = await waitFor('visibility to list it', async () => {
    for await (const wf of env.client.workflow.list({ query: `VendingStage="completed" AND WorkflowId="${created.body.id}"` })) {
      return wf;
    }
    return undefined;
  });
  expect(found.workflowId).toBe(created.body.id);
});

test('a token-less POST is refused with 401 and the error shape', async () => {
  const res = await api(env.apiUrl!, 'POST', '/v1/account-requests', {
    body: { accountName: 'x', email: 'nobody@example.com', organizationalUnit: 'Workloads' },
  });
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
});

test('an invalid body is refused with 400 naming the failing field, and starts nothing', async () => {
  const res = await api(env.apiUrl!, 'POST', '/v1/account-requests', {
    token: 'dev-requester',
    body: { accountName: 'bad', email: 'not-an-email', organizationalUnit: 'Workloads' },
  });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('VALIDATION_FAILED');
  expect(JSON.stringify(res.body.error.details)).toContain('email');
});
