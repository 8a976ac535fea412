/**
 * What the API refuses before anything starts, and who reads what, through HTTP against the running API, the
 * Temporal dev server and the sandbox: control and format characters in every text field (400 naming the field),
 * look-alike emails, one email normalisation for the id, the search attribute and the list filter, OUs checked
 * against the organization directory the worker publishes (422, with no AWS call), the read rules (a requester sees
 * their own requests only), and an API log that holds no email nor any other query value.
 */
import { randomDecisionSigner } from '../../client/decision-signer';
import { CreateOrganizationalUnitCommand } from '@aws-sdk/client-organizations';
import { type Client } from '@temporalio/client';
import { PassThrough } from 'node:stream';
import { buildApi } from '../../client/api/app';
import { staticTokenAuthenticator } from '../../client/api/auth';
import { AccountEmailKey } from '../../contract/search-attributes';
import { IDEMPOTENCY_KEY_WORKFLOW_TYPE } from '../../contract/idempotency-key';
import { organizationDirectoryWorkflowId, refreshOrganizationDirectorySignal } from '../../contract/organization-directory';
import { normalizeEmail } from '../../contract/request';
import { requestIdForEmail } from '../../contract/request-id';
import { VENDING_WORKFLOW_TYPE } from '../../contract/vending';
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';
import { sandboxControl } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ api: true, sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());

const valid = (name: string, extra: Record<string, unknown> = {}) => ({
  accountName: name,
  email: `${name}@example.com`,
  organizationalUnit: 'Workloads',
  ...extra,
});
const post = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  api(env.apiUrl!, 'POST', '/v1/account-requests', { token, body, headers });

/** What a POST can start: a vending workflow, and an idempotency-key reservation (what those start is not counted). */
async function startedByPosts(client: Client = env.client): Promise<number> {
  const types = [VENDING_WORKFLOW_TYPE, IDEMPOTENCY_KEY_WORKFLOW_TYPE].map((t) => `"${t}"`).join(', ');
  return (await client.workflow.count(`TaskQueue="${env.taskQueue}" AND WorkflowType IN (${types})`)).count;
}
async function awsCalls(): Promise<number> {
  return (await sandboxControl(env, 'GET', '/state')).body.totals.calls;
}

/** Cc (C0, DEL, C1), Cf (soft hyphen, zero-width, bidi, BOM, an astral tag character), Zl, Zp. */
const UNSAFE_CHARACTERS = ['\u0000', '\u0007', '\u001b', '\u001f', '\u007f', '\u0085', '\u009f', '\u00ad', '\u200b', '\u200e', '\u202e', '\u2028', '\u2029', '\ufeff', '\u{e0041}'];

/** Each text field of a request, with a valid value that has the character `c` inside it. */
const FIELDS: { field: string; body: (c: string) => Record<string, unknown> }[] = [
  { field: 'body.accountName', body: (c) => valid('ctl-name', { accountName: `team${c}a` }) },
  { field: 'body.email', body: (c) => valid('ctl-email', { email: `ctl${c}email@example.com` }) },
  { field: 'body.organizationalUnit', body: (c) => valid('ctl-ou', { organizationalUnit: `Work${c}loads` }) },
  { field: 'body.tags', body: (c) => valid('ctl-tag-key', { tags: { [`team${c}`]: 'payments' } }) },
  { field: 'body.tags.team', body: (c) => valid('ctl-tag-value', { tags: { team: `pay${c}ments` } }) },
  { field: 'body.justification', body: (c) => valid('ctl-why', { justification: `needed ${c} now` }) },
  ...(['name', 'title', 'email', 'phone'] as const).map((key) => ({
    field: `body.alternateContacts.billing.${key}`,
    body: (c: string) => {
      const contact = { name: 'Ann Lee', title: 'Billing lead', email: 'ann@example.com', phone: '+1 555 0100' };
      const value = { name: `Ann${c} Lee`, title: `Billing${c} lead`, email: `ann${c}@example.com`, phone: `+1 555${c}0100` }[key];
      return valid(`ctl-contact-${key}`, { alternateContacts: { billing: { ...contact, [key]: value } } });
    },
  })),
];

// First in the file: no request runs yet, so the sandbox's call counter moves only if the API calls AWS.
test('OUs: unknown is a 422 naming it, with no AWS call and nothing started; by name and by id both work', async () => {
  const before = await startedByPosts();
  const callsBefore = await awsCalls();
  for (const organizationalUnit of ['NoSuchOU', 'ou-abcd-12345678', 'workloads']) {
    const res = await post('dev-requester', valid('unknown-ou', { organizationalUnit }), { 'idempotency-key': `unknown-${organizationalUnit}` });
    expect({ organizationalUnit, status: res.status }).toEqual({ organizationalUnit, status: 422 });
    expect(res.body.error).toEqual({
      code: 'UNKNOWN_ORGANIZATIONAL_UNIT',
      message: expect.stringContaining(`"${organizationalUnit}" does not exist`),
      details: { field: 'body.organizationalUnit', organizationalUnit, listedAt: expect.any(String) },
    });
  }
  expect(await awsCalls()).toBe(callsBefore);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(await startedByPosts()).toBe(before);

  const workloadsId = env.sandbox.organization.organizationalUnits.Workloads;
  const byId = await post('dev-requester', valid('ou-by-id', { organizationalUnit: workloadsId }));
  expect(byId.status).toBe(202);
  const byName = await post('dev-requester', valid('ou-by-name', { organizationalUnit: 'Sandbox' }));
  expect(byName.status).toBe(202);
  await waitFor('both requests counted', async () => ((await startedByPosts()) === before + 2 ? true : undefined), 30_000);
});

test('control and format characters in any text field: 400 naming the field, and nothing started', async () => {
  const before = await startedByPosts();
  const answers: string[] = [];
  for (const { field, body } of FIELDS) {
    for (const c of UNSAFE_CHARACTERS) {
      const res = await post('dev-requester', body(c), { 'idempotency-key': `ctl-${field}-${c.codePointAt(0)}` });
      const fields = (res.body.error?.details ?? []).map((d: { field: string }) => d.field);
      answers.push(`${field} U+${c.codePointAt(0)!.toString(16)}: ${res.status} ${res.body.error?.code} ${fields.join(',')}`);
      expect({ field, char: c.codePointAt(0), status: res.status, code: res.body.error?.code }).toEqual({
        field,
        char: c.codePointAt(0),
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(fields.some((f: string) => f.startsWith(field))).toBe(true);
    }
  }
  expect(answers).toHaveLength(FIELDS.length * UNSAFE_CHARACTERS.length);

  // The message says what is wrong; tab and newline stay allowed where text spans lines.
  const zeroWidth = await post('dev-requester', valid('zw', { alternateContacts: { billing: { name: 'Ann\u200bLee', title: 'x', email: 'a@example.com', phone: '1' } } }));
  expect(zeroWidth.body.error.details).toEqual([{ field: 'body.alternateContacts.billing.name', message: expect.stringContaining('control or format characters') }]);
  const multiLine = await post('dev-requester', valid('multi-line-why', { justification: 'line one\nline two\twith a tab' }));
  expect(multiLine.status).toBe(202);

  // The multi-line request only: no reservation, no vending workflow for any refused one (visibility lags a little).
  await waitFor('the one accepted request counted', async () => ((await startedByPosts()) === before + 1 ? true : undefined), 30_000);
});

test('emails: look-alike (non-ASCII) and unsearchable addresses are refused clearly; one normalisation everywhere', async () => {
  for (const email of ['аlice@example.com' /* Cyrillic а */, 'alice@exаmple.com', 'ａlice@example.com' /* fullwidth */, 'alicé@example.com']) {
    const res = await post('dev-requester', valid('lookalike', { email }));
    expect({ email, status: res.status }).toEqual({ email, status: 400 });
    expect(res.body.error.details).toEqual([{ field: 'body.email', message: expect.stringContaining('non-ASCII') }]);
  }
  const apostrophe = await post('dev-requester', valid('quote', { email: "o'brien@example.com" }));
  expect(apostrophe.status).toBe(400);
  expect(apostrophe.body.error.details[0].message).toContain('letters, digits and . _ + -');
  const listLookalike = await api(env.apiUrl!, 'GET', `/v1/account-requests?email=${encodeURIComponent('аlice@example.com')}`, { token: 'dev-requester' });
  expect(listLookalike.status).toBe(400);

  // Asked for in mixed case: the id, the AccountEmail search value and the list filter all see one address.
  const created = await post('dev-requester', valid('norm', { email: 'Team.Norm+1@Example.COM' }));
  expect(created.status).toBe(202);
  expect(created.body.id).toBe(requestIdForEmail('team.norm+1@example.com'));
  const attrs = (await env.client.workflow.getHandle(created.body.id).describe()).typedSearchAttributes;
  expect(attrs.get(AccountEmailKey)).toBe(normalizeEmail('Team.Norm+1@Example.COM'));
  for (const asked of ['team.norm+1@example.com', 'TEAM.NORM+1@EXAMPLE.COM', 'Team.Norm+1@Example.COM']) {
    const found = await waitFor(`the request listed under ${asked}`, async () => {
      const res = await api(env.apiUrl!, 'GET', `/v1/account-requests?email=${encodeURIComponent(asked)}`, { token: 'dev-requester' });
      return res.body.items?.length === 1 ? res.body.items : undefined;
    });
    expect(found.map((i: { id: string }) => i.id)).toEqual([created.body.id]);
  }
});

test('OUs: a new one is accepted once the directory lists it again; a name two OUs share must be given by id', async () => {
  const org = env.aws.organizations;
  const { organizationalUnits } = env.sandbox.organization;
  const fresh = await org.send(new CreateOrganizationalUnitCommand({ ParentId: organizationalUnits.Workloads, Name: 'Fresh' }));
  const twins = await Promise.all(
    [organizationalUnits.Workloads, organizationalUnits.Sandbox].map((ParentId) => org.send(new CreateOrganizationalUnitCommand({ ParentId, Name: 'Twin' }))),
  );
  // Not listed yet: the directory answers for the organization as the worker last saw it.
  expect((await post('dev-requester', valid('fresh-ou', { organizationalUnit: 'Fresh' }))).status).toBe(422);

  await env.client.workflow.getHandle(organizationDirectoryWorkflowId(env.taskQueue)).signal(refreshOrganizationDirectorySignal);
  const accepted = await waitFor('the refreshed directory to list Fresh', async () => {
    const res = await post('dev-requester', valid('fresh-ou', { organizationalUnit: 'Fresh' }));
    return res.status === 202 ? res : undefined;
  });
  expect(accepted.body.stage).toBe('preflight');

  const ambiguous = await post('dev-requester', valid('twin-ou', { organizationalUnit: 'Twin' }));
  expect(ambiguous.status).toBe(422);
  expect(ambiguous.body.error.code).toBe('AMBIGUOUS_ORGANIZATIONAL_UNIT');
  expect(ambiguous.body.error.details.candidates).toEqual(
    expect.arrayContaining([
      { id: twins[0].OrganizationalUnit!.Id, path: 'Workloads/Twin' },
      { id: twins[1].OrganizationalUnit!.Id, path: 'Sandbox/Twin' },
    ]),
  );
  expect((await post('dev-requester', valid('twin-ou', { organizationalUnit: twins[0].OrganizationalUnit!.Id! }))).status).toBe(202);
  expect(fresh.OrganizationalUnit?.Id).toBeDefined();
});

test('reading: a requester sees their own requests only (someone else’s is a 404); approvers and operators see all', async () => {
  const alices = await post('dev-requester', valid('read-alice'));
  const carols = await post('dev-admin', valid('read-carol'));
  expect([alices.status, carols.status]).toEqual([202, 202]);
  const get = (token: string, id: string) => api(env.apiUrl!, 'GET', `/v1/account-requests/${id}`, { token });

  const hidden = await get('dev-requester', carols.body.id);
  const missing = await get('dev-requester', 'vend-000000000000000000000000');
  expect(hidden.status).toBe(404);
  // Indistinguishable from a request that does not exist.
  expect(hidden.body).toEqual({ error: { ...missing.body.error, message: missing.body.error.message.replace('vend-000000000000000000000000', carols.body.id) } });
  expect((await get('dev-requester', alices.body.id)).status).toBe(200);
  expect((await get('dev-approver', carols.body.id)).body.requester).toBe('carol');
  expect((await get('dev-admin', alices.body.id)).body.requester).toBe('alice');

  const listed = await waitFor('both requests in the approver’s list', async () => {
    const res = await api(env.apiUrl!, 'GET', '/v1/account-requests?pageSize=100', { token: 'dev-approver' });
    const ids = res.body.items?.map((i: { id: string }) => i.id) ?? [];
    return ids.includes(alices.body.id) && ids.includes(carols.body.id) ? res : undefined;
  });
  expect(new Set(listed.body.items.map((i: { requester: string }) => i.requester))).toEqual(new Set(['alice', 'carol']));

  const own = await api(env.apiUrl!, 'GET', '/v1/account-requests?pageSize=100', { token: 'dev-requester' });
  expect(own.status).toBe(200);
  expect(own.body.items.map((i: { id: string }) => i.id)).toContain(alices.body.id);
  expect(own.body.items.every((i: { requester: string }) => i.requester === 'alice')).toBe(true);
  const byEmail = await api(env.apiUrl!, 'GET', `/v1/account-requests?email=${encodeURIComponent('read-carol@example.com')}`, { token: 'dev-requester' });
  expect(byEmail.body.items).toEqual([]);
  const othersList = await api(env.apiUrl!, 'GET', '/v1/account-requests?requester=carol', { token: 'dev-requester' });
  expect(othersList.status).toBe(403);
  expect(othersList.body.error.code).toBe('FORBIDDEN');
});

test('the API log holds no email and no query value, in any line', async () => {
  const lines: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const app = await buildApi({
    signer: randomDecisionSigner(), temporal: env.client, taskQueue: env.taskQueue, policy: env.policy, authenticator: staticTokenAuthenticator(), logLevel: 'trace', logStream });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const secrets = ['hidden.person@example.com', 'querysecret1', 'querysecret2'];
    const calls = [
      api(url, 'GET', `/v1/account-requests?email=${encodeURIComponent(secrets[0])}`, { token: 'dev-admin' }),
      api(url, 'GET', `/v1/account-requests?stage=querysecret1&requester=querysecret2`, { token: 'dev-admin' }),
      api(url, 'GET', `/v1/account-requests/${encodeURIComponent(secrets[0])}`, { token: 'dev-admin' }),
      api(url, 'GET', `/v1/account-requests/hidden.person@example.com/cancel?x=querysecret1`, { token: 'dev-admin' }),
      api(url, 'GET', `/nowhere?email=${secrets[0]}&q=querysecret2`, { token: 'dev-admin' }),
      api(url, 'DELETE', `/v1/account-requests?email=${secrets[0]}`, { token: 'dev-admin' }),
      api(url, 'POST', '/v1/account-requests?querysecret1=1', { token: 'dev-requester', body: valid('log-check', { email: secrets[0], organizationalUnit: 'Nope' }) }),
    ];
    const statuses = (await Promise.all(calls)).map((res) => res.status);
    expect(statuses).toEqual([200, 400, 400, 405, 404, 405, 422]);
  } finally {
    await app.close();
  }
  const text = lines.join('\n');
  expect(lines.filter((l) => l.includes('"incoming request"')).length).toBeGreaterThanOrEqual(7); // the log did record them
  expect(text).toContain('"url":"/v1/account-requests"');
  for (const secret of ['hidden.person', 'example.com', 'querysecret1', 'querysecret2', '%40']) expect(text).not.toContain(secret);
});
