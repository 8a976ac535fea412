/**
 * The API at the edges of HTTP, over raw sockets: requests Node's parser refuses (not HTTP, headers too large, bad
 * header names), URLs that cannot be decoded, and methods a path does not serve are all answered in the error shape
 * with an x-request-id; a request before any worker has listed the organization's OUs is a clear 503. The API is
 * built against the shared Temporal dev server with no worker and no sandbox (a task queue nobody serves).
 */
import { VendingClient } from '../../client/temporal';
import { randomDecisionSigner } from '../../client/decision-signer';
import { Connection } from '@temporalio/client';
import { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { buildApi } from '../../client/api/app';
import { staticTokenAuthenticator } from '../../client/api/auth';
import { api } from '../support/http';
import { rawHttp, type RawResponse } from '../support/raw-http';

let connection: Connection;
let client: VendingClient;
let app: FastifyInstance;
let url: string;
const taskQueue = `http-edges-${randomUUID()}`;

beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.VEND_TEST_TEMPORAL_ADDRESS! });
  client = new VendingClient(connection, 'default');
  app = await buildApi({
    signer: randomDecisionSigner(), temporal: client, taskQueue, policy: {}, authenticator: staticTokenAuthenticator(), logLevel: 'silent' });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectErrorShape(res: RawResponse, status: number, code?: string): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error: { code: code ?? expect.any(String), message: expect.any(String), ...(res.body?.error?.details ? { details: expect.anything() } : {}) } },
  });
  expect(res.headers['x-request-id']).toMatch(/^[\w.:-]{1,64}$/);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

test('requests the HTTP parser refuses: the error shape, a request id, then the connection closes', async () => {
  const cases: [string, string | Buffer, number, string][] = [
    ['not HTTP at all', 'HELLO THERE\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['a method Node does not know', 'BREW /v1/account-requests HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['a space in the path', 'GET /v1/account requests HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['a bad header name', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['a NUL in a header value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['an unknown HTTP version', 'GET /healthz HTTP/7.5\r\nHost: x\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['two Content-Lengths', 'POST /v1/account-requests HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', 400, 'MALFORMED_REQUEST'],
    ['a bad chunk size', 'POST /v1/account-requests HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'MALFORMED_REQUEST'],
    ['headers over the limit', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['many headers over the limit', `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 4_000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
  ];
  const ids = new Set<string>();
  for (const [what, request, status, code] of cases) {
    const res = await rawHttp(url, request);
    try {
      expectErrorShape(res, status, code);
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.headers.connection).toBe('close');
    } catch (err) {
      throw new Error(`${what}: ${(err as Error).message}\n${res.raw.slice(0, 300)}`, { cause: err });
    }
    ids.add(res.headers['x-request-id']);
  }
  expect(ids.size).toBe(cases.length);
});

test('an undecodable URL and an over-long path parameter are answered in the error shape with a request id', async () => {
  for (const path of ['/v1/account-requests/%E0%A4%A', '/v1/account-requests/%zz', '/v1/account-requests?stage=%']) {
    const res = await rawHttp(url, `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-admin\r\nConnection: close\r\n\r\n`);
    expectErrorShape(res, 400);
  }
  const long = await rawHttp(url, `GET /v1/account-requests/${'a'.repeat(600)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-admin\r\nConnection: close\r\n\r\n`);
  expect(long.status).toBeGreaterThanOrEqual(400);
  expect(long.status).toBeLessThan(500);
  expectErrorShape(long, long.status);
});

test('a method a path does not serve is a 405 with Allow; a path nobody serves is a 404', async () => {
  const cases: [string, string, string][] = [
    ['DELETE', '/v1/account-requests/vend-0123456789abcdef01234567', 'GET, HEAD'],
    ['PUT', '/v1/account-requests', 'GET, HEAD, POST'],
    ['PATCH', '/v1/account-requests?email=a@example.com', 'GET, HEAD, POST'],
    ['GET', '/v1/account-requests/vend-0123456789abcdef01234567/decision', 'POST'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['OPTIONS', '/v1/account-requests/vend-0123456789abcdef01234567/cancel', 'POST'],
  ];
  for (const [method, path, allow] of cases) {
    const res = await api(url, method, path, { token: 'dev-admin', ...(method === 'GET' || method === 'OPTIONS' ? {} : { body: {} }) });
    expect({ method, path, status: res.status, allow: res.headers.get('allow'), code: res.body.error?.code }).toEqual({
      method,
      path,
      status: 405,
      allow,
      code: 'METHOD_NOT_ALLOWED',
    });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  }
  const nowhere = await api(url, 'DELETE', '/v1/nothing-here', { token: 'dev-admin' });
  expect(nowhere.status).toBe(404);
  expect(nowhere.headers.get('allow')).toBeNull();
  expect(nowhere.body.error.code).toBe('NOT_FOUND');
});

test('before any worker has listed the OUs, a valid request is a 503 with Retry-After, and nothing starts', async () => {
  const body = { accountName: 'no-directory', email: `no-directory-${randomUUID().slice(0, 8)}@example.com`, organizationalUnit: 'Workloads' };
  const res = await api(url, 'POST', '/v1/account-requests', { token: 'dev-requester', body, headers: { 'idempotency-key': 'no-directory' } });
  expect(res.status).toBe(503);
  expect(res.body).toEqual({ error: { code: 'ORGANIZATION_DIRECTORY_UNAVAILABLE', message: expect.stringContaining('retry') } });
  expect(res.headers.get('retry-after')).toBe('30');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect((await client.workflow.count(`TaskQueue="${taskQueue}"`)).count).toBe(0);
});
