/**
 * Asking for accounts and reading them back, through HTTP against the running API, the Temporal dev server and the
 * sandbox: 202, the idempotent 200, both 409s, 400/401/403/404, the request view and the visibility list.
 */
import { requestIdForEmail } from '../../contract/request-id';
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ api: true, sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());

const ERROR_SHAPE = { error: { code: expect.any(String), message: expect.any(String) } };
const body = (name: string, extra: Record<string, unknown> = {}) => ({
  accountName: name,
  email: `${name}@example.com`,
  organizationalUnit: 'Workloads',
  ...extra,
});
const post = (token: string | undefined, payload: unknown, headers: Record<string, string> = {}) =>
  api(env.apiUrl!, 'POST', '/v1/account-requests', { token, body: payload, headers });

test('202 starts a request; GET shows its stage, requester, verdict with evidence and timeline once completed', async () => {
  const created = await post('dev-requester', body('req-view', { tags: { team: 'payments' }, justification: 'new service' }));
  expect(created.status).toBe(202);
  expect(created.body).toEqual({
    id: expect.stringMatching(/^vend-[0-9a-f]{24}$/),
    stage: 'preflight',
    links: expect.objectContaining({ self: `/v1/account-requests/${created.body.id}` }),
  });
  expect(created.headers.get('x-request-id')).toBeTruthy();

  const done = await waitFor('completion', async () => {
    const res = await api(env.apiUrl!, 'GET', created.body.links.self, { token: 'dev-approver' });
    // The stage turns `completed` a moment before the run itself closes (a last notification).
    return res.body.stage === 'completed' && res.body.execution === 'COMPLETED' ? res : undefined;
  });
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({
    id: created.body.id,
    requester: 'alice',
    accountId: expect.stringMatching(/^\d{12}$/),
    execution: 'COMPLETED',
    billingAccess: { verdict: 'defaulted-on', evidence: expect.arrayContaining([expect.objectContaining({ source: 'cost-explorer-probe', indicates: 'on' })]) },
  });
  expect(done.body.timeline.at(-1).stage).toBe('completed');
});

test('the same Idempotency-Key and body answer 200 with the same id; another body answers 409 IDEMPOTENCY_KEY_REUSED', async () => {
  const key = `key-${Date.now()}`;
  const first = await post('dev-requester', body('idem-one'), { 'idempotency-key': key });
  expect(first.status).toBe(202);

  // Same body with its keys in another order is the same body.
  const { organizationalUnit, email, accountName } = body('idem-one');
  const repeat = await post('dev-requester', { organizationalUnit, email, accountName }, { 'idempotency-key': key });
  expect(repeat.status).toBe(200);
  expect(repeat.body).toMatchObject({ id: first.body.id, stage: expect.any(String) });

  // Same key, same email, another body: refused, naming the first request.
  const changed = await post('dev-requester', body('idem-one', { justification: 'changed my mind' }), { 'idempotency-key': key });
  expect(changed.status).toBe(409);
  expect(changed.body).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED', details: { requestId: first.body.id } } });

  // Same key with another email (another workflow id): refused at once (the key's reservation), nothing started.
  const otherEmail = await post('dev-requester', body('idem-two'), { 'idempotency-key': key });
  expect(otherEmail.status).toBe(409);
  expect(otherEmail.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { requestId: first.body.id } });
  const two = await api(env.apiUrl!, 'GET', `/v1/account-requests/${idOf('idem-two@example.com')}`, { token: 'dev-requester' });
  expect(two.status).toBe(404);

  // Another user's identical key is a different key: their POST is simply a conflict on the email.
  const otherUser = await post('dev-admin', body('idem-one'), { 'idempotency-key': key });
  expect(otherUser.status).toBe(409);
  expect(otherUser.body.error.code).toBe('EMAIL_ALREADY_REQUESTED');
});

test('an email that already has a request answers 409 EMAIL_ALREADY_REQUESTED naming that request', async () => {
  const first = await post('dev-requester', body('dup-email'));
  expect(first.status).toBe(202);
  for (const headers of [{}, { 'idempotency-key': 'a-fresh-key' }] as Record<string, string>[]) {
    const again = await post('dev-admin', { ...body('dup-email'), accountName: 'another-name' }, headers);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      error: {
        code: 'EMAIL_ALREADY_REQUESTED',
        message: expect.stringContaining(first.body.id),
        details: { requestId: first.body.id, links: expect.objectContaining({ self: `/v1/account-requests/${first.body.id}` }) },
      },
    });
  }
});

test('400 names the failing fields; 401 without or with a bad token; 403 without the requester role; 404 for unknown requests', async () => {
  const invalid = await post('dev-requester', { accountName: '', email: 'nope', organizationalUnit: 'Workloads', surprise: 1 });
  expect(invalid.status).toBe(400);
  expect(invalid.body.error.code).toBe('VALIDATION_FAILED');
  const fields = invalid.body.error.details.map((d: { field: string }) => d.field).join(' ');
  expect(fields).toContain('body.accountName');
  expect(fields).toContain('body.email');

  const badKey = await post('dev-requester', body('bad-key'), { 'idempotency-key': 'has spaces in it' });
  expect(badKey.status).toBe(400);
  expect(JSON.stringify(badKey.body.error.details)).toContain('idempotency-key');

  const noToken = await post(undefined, body('no-token'));
  expect(noToken.status).toBe(401);
  expect(noToken.body).toMatchObject(ERROR_SHAPE);
  const badToken = await api(env.apiUrl!, 'GET', '/v1/account-requests', { token: 'not-a-token' });
  expect(badToken.status).toBe(401);
  expect(badToken.body.error.code).toBe('UNAUTHENTICATED');

  const approverAsks = await post('dev-approver', body('approver-asks'));
  expect(approverAsks.status).toBe(403);
  expect(approverAsks.body).toMatchObject(ERROR_SHAPE);

  const unknown = await api(env.apiUrl!, 'GET', '/v1/account-requests/vend-000000000000000000000000', { token: 'dev-requester' });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error.code).toBe('REQUEST_NOT_FOUND');
  const malformedId = await api(env.apiUrl!, 'GET', '/v1/account-requests/not-an-id', { token: 'dev-requester' });
  expect(malformedId.status).toBe(400);
  const noRoute = await api(env.apiUrl!, 'GET', '/v2/nothing', { token: 'dev-requester' });
  expect(noRoute.status).toBe(404);
  expect(noRoute.body).toMatchObject(ERROR_SHAPE);
});

test('the list comes from visibility: filters by requester and stage, pages with a real token, refuses unsafe filters', async () => {
  for (const name of ['list-a', 'list-b', 'list-c']) expect((await post('dev-admin', body(name))).status).toBe(202);

  const all = await waitFor('visibility to list carol’s three requests', async () => {
    const res = await api(env.apiUrl!, 'GET', '/v1/account-requests?requester=carol&pageSize=100', { token: 'dev-approver' });
    return res.body.items?.length >= 3 ? res : undefined;
  });
  expect(all.body.items.every((r: { requester: string }) => r.requester === 'carol')).toBe(true);

  const first = await api(env.apiUrl!, 'GET', '/v1/account-requests?requester=carol&pageSize=2', { token: 'dev-approver' });
  expect(first.body.items).toHaveLength(2);
  expect(first.body.nextPageToken).toMatch(/^[A-Za-z0-9_-]+$/);
  const second = await api(env.apiUrl!, 'GET', `/v1/account-requests?requester=carol&pageSize=2&pageToken=${first.body.nextPageToken}`, { token: 'dev-approver' });
  expect(second.status).toBe(200);
  const ids = [...first.body.items, ...second.body.items].map((r: { id: string }) => r.id);
  expect(new Set(ids).size).toBe(ids.length);

  const completed = await waitFor('a completed request in the list', async () => {
    const res = await api(env.apiUrl!, 'GET', '/v1/account-requests?stage=completed', { token: 'dev-requester' });
    return res.body.items?.length > 0 ? res : undefined;
  });
  expect(completed.body.items.every((r: { stage: string }) => r.stage === 'completed')).toBe(true);

  for (const query of ['stage=done', 'requester=carol%22%20OR%20WorkflowType%3D%22x', 'pageSize=0', 'pageToken=%27%3B', 'unknown=1']) {
    const res = await api(env.apiUrl!, 'GET', `/v1/account-requests?${query}`, { token: 'dev-requester' });
    expect({ query, status: res.status }).toEqual({ query, status: 400 });
    expect(res.body).toMatchObject(ERROR_SHAPE);
  }
  const forged = await api(env.apiUrl!, 'GET', '/v1/account-requests?pageToken=bm90LWEtdG9rZW4', { token: 'dev-requester' });
  expect(forged.status).toBe(400);
  expect(forged.body.error.code).toBe('INVALID_PAGE_TOKEN');
});

function idOf(email: string): string {
  return requestIdForEmail(email);
}

test('/readyz is 200 once a worker has published the organization directory', async () => {
  expect(await api(env.apiUrl!, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
});
