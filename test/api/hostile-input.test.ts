/**
 * Property: whatever a caller sends - malformed or hostile bodies, headers, paths, query strings, control and format
 * characters in any field, look-alike emails, OUs the organization does not have, methods a path does not serve,
 * and bytes that are not HTTP at all (over a raw socket) - the API answers a 4xx in the error shape with an
 * x-request-id, never a 5xx, and starts no workflow. 2,000 generated requests over real HTTP against the running API
 * (with its worker), then the workflows on the env's task queue are counted through visibility; a control request
 * afterwards proves the count would have seen a start.
 */
import fc from 'fast-check';
import { NewAccountRequestSchema } from '../../contract/request';
import { ListQuerySchema } from '../../client/api/routes/schemas';
import { api, waitFor } from '../support/http';
import { rawHttp } from '../support/raw-http';
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
  /** Sent as these bytes over a raw socket instead of through fetch. */
  raw?: string;
}

const TOKENS = ['dev-requester', 'dev-approver', 'dev-admin'];
const VALID = { accountName: 'fuzz', email: 'fuzz@example.com', organizationalUnit: 'Workloads' };
/** Judged on what goes over the wire: a `__proto__` assignment, say, vanishes in JSON and may leave a valid body. */
const isValidRequest = (value: unknown) => {
  const wire = JSON.stringify(value);
  return wire !== undefined && NewAccountRequestSchema.safeParse(JSON.parse(wire)).success;
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

/** Control and format characters: C0, DEL and C1, and every Cf, Zl, Zp code point of the BMP and a few astral ones. */
const UNSAFE_CODE_POINTS = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
  ...Array.from({ length: 0x10000 }, (_, i) => i).filter((cp) => (cp < 0xd800 || cp > 0xdfff) && /[\p{Cf}\p{Zl}\p{Zp}]/u.test(String.fromCodePoint(cp))),
  0x110bd, 0x1d173, 0xe0001, 0xe0041, 0xe007f,
];
const unsafeChar = fc.constantFrom(...UNSAFE_CODE_POINTS).map((cp) => String.fromCodePoint(cp));
const CONTACT = { name: 'Ann Lee', title: 'Billing lead', email: 'ann@example.com', phone: '+1 555 0100' };

/** A valid request with one control or format character put into one of its text fields, anywhere in it. */
const controlCharProbe: fc.Arbitrary<Probe> = fc
  .tuple(
    fc.constantFrom('accountName', 'email', 'organizationalUnit', 'tagKey', 'tagValue', 'justification', 'contact.name', 'contact.title', 'contact.email', 'contact.phone'),
    unsafeChar,
    fc.nat(),
    fc.constantFrom('billing', 'operations', 'security'),
  )
  .map(([field, c, at, kind]) => {
    const insert = (text: string) => text.slice(0, at % (text.length + 1)) + c + text.slice(at % (text.length + 1));
    const body: Record<string, unknown> = { ...VALID };
    if (field === 'tagKey') body.tags = { [insert('team')]: 'payments' };
    else if (field === 'tagValue') body.tags = { team: insert('payments') };
    else if (field.startsWith('contact.')) {
      const part = field.slice('contact.'.length) as keyof typeof CONTACT;
      body.alternateContacts = { [kind]: { ...CONTACT, [part]: insert(CONTACT[part]) } };
    } else body[field] = insert(field === 'justification' ? 'a new service' : String(VALID[field as keyof typeof VALID]));
    return body;
  })
  .filter((body) => !isValidRequest(body))
  .chain((body) =>
    fc.option(printable.filter((k) => /^[\x21-\x7e]+$/.test(k))).map((key) => ({
      kind: 'control-char',
      method: 'POST',
      path: '/v1/account-requests',
      headers: { authorization: 'Bearer dev-requester', 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    })),
  );

/** Letters that look Latin: Cyrillic, Greek, fullwidth, mathematical, dotless i, and accented Latin. */
const LOOKALIKES: Record<string, string[]> = {
  a: ['а', 'ɑ', 'ａ', 'à', '𝐚'], c: ['с', 'ϲ', 'ｃ'], e: ['е', 'ё', 'ｅ', 'é'], o: ['о', 'ο', '０', 'ｏ', 'ö'], p: ['р', 'ρ', 'ｐ'],
  x: ['х', 'χ', 'ｘ'], y: ['у', 'ｙ', 'ý'], i: ['і', 'ı', 'ｉ', 'í'], l: ['ӏ', 'ｌ', 'ł'], m: ['м', 'ｍ'], '.': ['。', '．'], '@': ['＠'],
};
const lookalikeEmailProbe: fc.Arbitrary<Probe> = fc
  .tuple(fc.constantFrom('alice@example.com', 'ops.team@company.co', 'payments-prod@example.org', 'xyz@mail.example.com'), fc.nat(), fc.nat(), fc.boolean())
  .map(([email, where, which, inList]): Probe => {
    const positions = [...email].map((ch, i) => (LOOKALIKES[ch] ? i : -1)).filter((i) => i >= 0);
    const at = positions[where % positions.length];
    const swaps = LOOKALIKES[email[at]];
    const hostile = email.slice(0, at) + swaps[which % swaps.length] + email.slice(at + 1);
    return inList
      ? { kind: 'lookalike-email', method: 'GET', path: `/v1/account-requests?email=${encodeURIComponent(hostile)}`, headers: { authorization: 'Bearer dev-requester' } }
      : {
          kind: 'lookalike-email',
          method: 'POST',
          path: '/v1/account-requests',
          headers: { authorization: 'Bearer dev-requester', 'content-type': 'application/json' },
          body: JSON.stringify({ ...VALID, email: hostile }),
        };
  });

/** Well-formed requests for OUs the organization does not have: 422, checked without AWS, nothing started. */
const unknownOuProbe: fc.Arbitrary<Probe> = fc
  .oneof(
    fc.stringMatching(/^[A-Za-z][\w+=,.@ -]{0,40}$/),
    fc.stringMatching(/^ou-[0-9a-z]{4,8}-[a-z0-9]{8,12}$/),
    fc.constantFrom('workloads', 'WORKLOADS', 'Workloads ', ' Sandbox', 'Root', 'r-abcd'),
  )
  .filter((ou) => !['Workloads', 'Sandbox'].includes(ou) && isValidRequest({ ...VALID, organizationalUnit: ou }))
  .map((organizationalUnit) => ({
    kind: 'unknown-ou',
    method: 'POST',
    path: '/v1/account-requests',
    headers: { authorization: 'Bearer dev-requester', 'content-type': 'application/json', 'idempotency-key': `ou-${organizationalUnit.length}` },
    body: JSON.stringify({ ...VALID, organizationalUnit }),
  }));

/** Methods that paths of the API do not serve: 405 with Allow (or 404 where no route has the path). */
const methodProbe: fc.Arbitrary<Probe> = fc
  .tuple(
    fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'SEARCH', 'LOCK', 'MKCOL'),
    fc.constantFrom(
      '/v1/account-requests',
      '/v1/account-requests/vend-0123456789abcdef01234567',
      '/v1/account-requests/vend-0123456789abcdef01234567/decision',
      '/v1/account-requests/vend-0123456789abcdef01234567/cancel',
      '/v1/account-requests/vend-0123456789abcdef01234567/remediation-confirmation',
      '/healthz',
      '/readyz',
      '/openapi.json',
    ),
    fc.constantFrom(...TOKENS, 'nope'),
  )
  .map(([method, path, token]) => ({
    kind: 'method',
    method,
    path,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: method === 'OPTIONS' ? undefined : JSON.stringify(VALID),
  }));

/** Bytes that are not a valid HTTP/1.1 request, sent over a raw socket: Node's parser refuses them before routing. */
const rawSocketProbe: fc.Arbitrary<Probe> = fc
  .oneof(
    // Leading empty lines are skipped by HTTP parsers (RFC 9112 2.2): junk is junk only with something else in it.
    fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }).filter((junk) => /[^\r\n]/.test(junk)).map((junk) => `${junk}\r\n\r\n`),
    fc.tuple(fc.stringMatching(/^[A-Z]{3,10}$/), fc.constantFrom('/', '/v1/account-requests')).map(([m, p]) => `${m}X!${p} HTTP/1.1\r\nHost: x\r\n\r\n`),
    fc.constantFrom('HTTP/1.x', 'HTTP/1.2', 'HTTP/3.0', 'HTTP/9.9', 'HTTPS/1.1', 'http/1.1', '').map((v) => `GET /healthz ${v}\r\nHost: x\r\n\r\n`),
    fc.tuple(fc.constantFrom('Bad Header', 'X(y)', 'X\\y', ''), printable).map(([name, value]) => `GET /healthz HTTP/1.1\r\nHost: x\r\n${name}: ${value}\r\n\r\n`),
    fc.tuple(unsafeChar.filter((c) => c !== '\t' && c.charCodeAt(0) < 0x20), printable).map(([c, value]) => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ${value}${c}z\r\n\r\n`),
    fc.integer({ min: 17_000, max: 64_000 }).map((size) => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(size)}\r\n\r\n`),
    fc.integer({ min: 4_000, max: 6_000 }).map((n) => `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: n }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`),
    fc.constantFrom(
      'POST /v1/account-requests HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
      'POST /v1/account-requests HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n\r\n',
      'POST /v1/account-requests HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST /v1/account-requests HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET /v1/account-requests/%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-admin\r\nConnection: close\r\n\r\n',
      'GET /v1/account-requests/%zz%ff HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-admin\r\nConnection: close\r\n\r\n',
      'GET /v1/account-requests/vend-0123456789abcdef01234567%00 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-admin\r\nConnection: close\r\n\r\n',
      'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: x\r\n X-Folded: continuation\r\n\r\n',
    ),
  )
  .map((raw) => ({ kind: 'raw-socket', method: 'RAW', path: '', headers: {}, raw }));

async function send(probe: Probe): Promise<{ status: number; body: any; requestId: string | null }> {
  if (probe.raw !== undefined) {
    const res = await rawHttp(env.apiUrl!, Buffer.from(probe.raw, 'latin1'));
    return { status: res.status, body: res.body, requestId: res.headers['x-request-id'] ?? null };
  }
  const res = await api(env.apiUrl!, probe.method, probe.path, { headers: probe.headers, body: probe.body });
  return { status: res.status, body: res.body, requestId: res.headers.get('x-request-id') };
}

async function workflowsOnQueue(): Promise<number> {
  return (await env.client.workflow.count(`TaskQueue="${env.taskQueue}"`)).count;
}

const KINDS = ['body', 'raw-body', 'auth', 'idempotency-key', 'path', 'query', 'control-char', 'lookalike-email', 'unknown-ou', 'method', 'raw-socket'];
const RUNS = 2_000;
const CONCURRENT = 8;

test('2,000 malformed or hostile requests: each a 4xx in the error shape with a request id, none a 5xx, no workflow started', async () => {
  const before = await workflowsOnQueue();
  const seen: Record<string, number> = {};
  const timeByKind: Record<string, number> = {};
  const started = Date.now();
  // Probes go out CONCURRENT at a time (each property run is one batch), so a busy machine's latency overlaps.
  const probe = fc.oneof(bodyProbe, rawBodyProbe, authProbe, idempotencyKeyProbe, pathProbe, queryProbe, controlCharProbe, lookalikeEmailProbe, unknownOuProbe, methodProbe, rawSocketProbe);
  await fc.assert(
    fc.asyncProperty(fc.array(probe, { minLength: CONCURRENT, maxLength: CONCURRENT }), async (batch) => {
      await Promise.all(
        batch.map(async (one) => {
          const t0 = Date.now();
          const res = await send(one);
          timeByKind[one.kind] = (timeByKind[one.kind] ?? 0) + Date.now() - t0;
          seen[`${one.kind} ${res.status}`] = (seen[`${one.kind} ${res.status}`] ?? 0) + 1;
          const what = one.raw !== undefined ? `raw ${JSON.stringify(one.raw.slice(0, 120))}` : `${one.method} ${one.path}`;
          if (res.status < 400 || res.status >= 500) throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
          expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), ...('details' in (res.body?.error ?? {}) ? { details: expect.anything() } : {}) } });
          if (!res.requestId || !/^[\w.:-]{1,64}$/.test(res.requestId)) throw new Error(`${what} answered without a request id`);
        }),
      );
    }),
    { numRuns: RUNS / CONCURRENT, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
  );
  const total = Object.values(seen).reduce((a, b) => a + b, 0);
  process.stdout.write(`hostile input: ${total} requests in ${Date.now() - started} ms; ${JSON.stringify(seen)}; ms by kind ${JSON.stringify(timeByKind)}\n`);
  expect(total).toBe(RUNS);
  // Every kind of probe ran and got answers.
  expect(new Set(Object.keys(seen).map((k) => k.split(' ')[0]))).toEqual(new Set(KINDS));

  await new Promise((resolve) => setTimeout(resolve, 1_000)); // visibility is eventually consistent
  expect(await workflowsOnQueue()).toBe(before);

  // Control: a valid request is counted, so the count above would have noticed a start.
  expect((await send({ kind: 'control', method: 'POST', path: '/v1/account-requests', headers: { authorization: 'Bearer dev-requester', 'content-type': 'application/json' }, body: JSON.stringify(VALID) })).status).toBe(202);
  await waitFor('the control request to be counted', async () => ((await workflowsOnQueue()) >= before + 1 ? true : undefined), 30_000);
});
