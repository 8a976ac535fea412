/**
 * Property: whatever a caller sends - malformed or hostile bodies, headers, paths, query strings - the API answers
 * a 4xx in the error shape, never a 5xx, and starts no workflow. 1,200 generated requests over real HTTP against
 * the running API (with its worker), then the workflows on the env's task queue are counted through visibility; a
 * control request afterwards proves the count would have seen a start.
 */
import fc from 'fast-check';
import { AccountRequestSchema } from '../../contract/request';
import { ListQuerySchema } from '../../client/api/routes/schemas';
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ api: true, sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());

interface Probe {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const TOKENS = ['dev-requester', 'dev-approver', 'dev-admin'];
const VALID = { accountName: 'fuzz', email: 'fuzz@example.com', organizationalUnit: 'Workloads' };
/** Judged on what goes over the wire: a `__proto__` assignment, say, vanishes in JSON and may leave a valid body. */
const isValidRequest = (value: unknown) => {
  const wire = JSON.stringify(value);
  return wire !== undefined && AccountRequestSchema.safeParse(JSON.parse(wire)).success;
};

/** Strings built to hurt: injection, traversal, unicode, control characters, huge and empty. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    "'; DROP TABLE requests; --",
    '" OR WorkflowType="x',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '<script>alert(1)</script>',
    '${jndi:ldap://x}',
    '__proto__',
    'constructor',
    'a'.repeat(5000),
    '',
    ' ',
    '\u202e',
    'vend-' + 'g'.repeat(24),
  ),
);
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });

/** A valid request with one field replaced, one field added, or one removed; kept only when it is invalid. */
const mutatedRequest = fc
  .tuple(
    fc.constantFrom('accountName', 'email', 'organizationalUnit', 'tags', 'alternateContacts', 'justification', '__proto__', 'extra'),
    fc.oneof(fc.jsonValue(), hostileString),
    fc.boolean(),
  )
  .map(([field, value, remove]) => {
    const body: Record<string, unknown> = { ...VALID };
    if (remove) delete body[field];
    else body[field] = value;
    return body;
  })
  .filter((body) => !isValidRequest(body));

const bodyProbe: fc.Arbitrary<Probe> = fc
  .tuple(fc.oneof(mutatedRequest, fc.jsonValue().filter((v) => !isValidRequest(v))), fc.constantFrom(...TOKENS), fc.option(printable))
  .map(([body, token, key]) => ({
    kind: 'body',
    method: 'POST',
    path: '/v1/account-requests',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body) ?? '',
  }));

const rawBodyProbe: fc.Arbitrary<Probe> = fc
  .tuple(
    fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '{"accountName":', '[]', 'null', '{"a":1}{"b":2}', '\u0000', 'x'.repeat(70_000))),
    fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data', ''),
    fc.constantFrom('/v1/account-requests', '/v1/account-requests/vend-0123456789abcdef01234567/decision'),
  )
  .filter(([body]) => {
    try {
      return !isValidRequest(JSON.parse(body));
    } catch {
      return true;
    }
  })
  .map(([body, type, path]) => ({
    kind: 'raw-body',
    method: 'POST',
    path,
    headers: { authorization: 'Bearer dev-admin', ...(type ? { 'content-type': type } : {}) },
    body,
  }));

const authProbe: fc.Arbitrary<Probe> = fc
  .oneof(
    printable,
    printable.map((t) => `Bearer ${t}`),
    printable.map((t) => `Basic ${t}`),
    fc.constantFrom(...TOKENS).map((t) => `Bearer ${t} extra`),
    fc.constantFrom(...TOKENS).map((t) => `Token ${t}`),
    fc.constantFrom(...TOKENS),
  )
  .filter((value) => !/^bearer +(dev-requester|dev-approver|dev-admin)$/i.test(value.trim()))
  .map((authorization) => ({
    kind: 'auth',
    method: 'POST',
    path: '/v1/account-requests',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(VALID), // a valid body: only the credentials stand between it and a workflow
  }));

const idempotencyKeyProbe: fc.Arbitrary<Probe> = fc
  .oneof(fc.constant(''), fc.constant('k'.repeat(300)), printable.filter((k) => / /.test(k.trim())))
  .map((key) => ({
    kind: 'idempotency-key',
    method: 'POST',
    path: '/v1/account-requests',
    headers: { authorization: 'Bearer dev-requester', 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ ...VALID, email: 'never-started@example.com' }),
  }))
  // An empty header value is dropped on the wire: that POST would be valid.
  .filter((probe) => probe.headers['idempotency-key'].trim() !== '');

/** Paths that no route serves, or routes with hostile parameters; never a route that would answer 2xx. */
const pathProbe: fc.Arbitrary<Probe> = fc
  .tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    fc.constantFrom('/v1/account-requests/', '/v1/', '/', '/v2/account-requests/', '/v1/account-requests/vend-0123456789abcdef01234567/'),
    hostileString,
    fc.boolean(),
    fc.constantFrom(...TOKENS, 'nope'),
  )
  .map(([method, prefix, segment, encode, token]) => ({
    kind: 'path',
    method,
    path: prefix + (encode ? encodeURIComponent(segment) : segment.replace(/[?#\s]/g, '_')),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: method === 'GET' || method === 'OPTIONS' ? undefined : JSON.stringify({ decision: 'approve-remediation', reason: segment }),
  }))
  .filter((probe) => {
    let pathname: string;
    try {
      pathname = new URL(probe.path, 'http://x').pathname;
    } catch {
      return false;
    }
    const answersOk = ['/healthz', '/readyz', '/openapi.json', '/docs', '/docs/', '/v1/account-requests', '/v1/account-requests/'];
    return !answersOk.includes(pathname) && !pathname.startsWith('/docs/');
  });

const queryProbe: fc.Arbitrary<Probe> = fc
  .record(
    { stage: hostileString, requester: hostileString, pageSize: fc.oneof(hostileString, fc.integer().map(String)), pageToken: hostileString, sneaky: hostileString },
    { requiredKeys: [] },
  )
  .filter((query) => !ListQuerySchema.safeParse(query).success || query.pageToken !== undefined)
  .map((query) => ({
    kind: 'query',
    method: 'GET',
    path: `/v1/account-requests?${new URLSearchParams(query as Record<string, string>)}`,
    headers: { authorization: 'Bearer dev-requester' },
  }))
  .filter((probe) => !probe.path.endsWith('?'));

async function send(probe: Probe): Promise<{ status: number; body: any }> {
  return api(env.apiUrl!, probe.method, probe.path, { headers: probe.headers, body: probe.body });
}

async function workflowsOnQueue(): Promise<number> {
  return (await env.client.workflow.count(`TaskQueue="${env.taskQueue}"`)).count;
}

test('1,200 malformed or hostile requests: each a 4xx with the error shape, none a 5xx, no workflow started', async () => {
  const before = await workflowsOnQueue();
  const seen: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(fc.oneof(bodyProbe, rawBodyProbe, authProbe, idempotencyKeyProbe, pathProbe, queryProbe), async (probe) => {
      const res = await send(probe);
      seen[`${probe.kind} ${res.status}`] = (seen[`${probe.kind} ${res.status}`] ?? 0) + 1;
      if (res.status < 400 || res.status >= 500) throw new Error(`${probe.method} ${probe.path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), ...('details' in (res.body?.error ?? {}) ? { details: expect.anything() } : {}) } });
    }),
    { numRuns: 1_200, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
  );
  // Every kind of probe ran and got answers.
  expect(new Set(Object.keys(seen).map((k) => k.split(' ')[0]))).toEqual(new Set(['body', 'raw-body', 'auth', 'idempotency-key', 'path', 'query']));

  await new Promise((resolve) => setTimeout(resolve, 1_000)); // visibility is eventually consistent
  expect(await workflowsOnQueue()).toBe(before);

  // Control: a valid request is counted, so the count above would have noticed a start.
  expect((await send({ kind: 'control', method: 'POST', path: '/v1/account-requests', headers: { authorization: 'Bearer dev-requester', 'content-type': 'application/json' }, body: JSON.stringify(VALID) })).status).toBe(202);
  await waitFor('the control request to be counted', async () => ((await workflowsOnQueue()) === before + 1 ? true : undefined), 10_000);
}, 90_000);
