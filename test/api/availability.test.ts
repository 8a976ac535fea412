/**
 * The API under pressure and at its edges: 503 while Temporal is unreachable (and /healthz still up), 429 when
 * Temporal pushes back, /readyz, structured logs with a request id, and a graceful close that finishes in-flight
 * requests. No AWS is involved, so no sandbox: the API is built against the shared Temporal dev server directly.
 */
import { VendingClient } from '../../client/temporal';
import { randomDecisionSigner } from '../../client/decision-signer';
import { InterceptingCall, Metadata, status, type Interceptor } from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { type FastifyInstance } from 'fastify';
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { buildApi } from '../../client/api/app';
import { staticTokenAuthenticator } from '../../client/api/auth';
import { connectTemporalLazily } from '../../client/temporal';
import { api } from '../support/http';

const connections: Connection[] = [];
const apps: FastifyInstance[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await Promise.all(connections.map((c) => c.close()));
});

async function apiOn(connection: Connection, logStream?: NodeJS.WritableStream): Promise<{ app: FastifyInstance; url: string }> {
  connections.push(connection);
  const app = await buildApi({
    signer: randomDecisionSigner(),
    temporal: new VendingClient(connection, 'default'),
    taskQueue: `availability-${Date.now()}`,
    policy: {},
    authenticator: staticTokenAuthenticator(),
    logLevel: logStream ? 'info' : 'silent',
    logStream,
  });
  apps.push(app);
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const newRequest = { accountName: 'unavailable', email: 'unavailable@example.com', organizationalUnit: 'Workloads' };

test('Temporal unreachable: every Temporal-backed route answers 503 with the error shape, quickly; /healthz stays 200', async () => {
  const { url } = await apiOn(connectTemporalLazily(`127.0.0.1:${await closedPort()}`));
  const started = Date.now();
  const calls = await Promise.all([
    api(url, 'POST', '/v1/account-requests', { token: 'dev-requester', body: newRequest }),
    api(url, 'GET', '/v1/account-requests', { token: 'dev-requester' }),
    api(url, 'GET', '/v1/account-requests/vend-000000000000000000000000', { token: 'dev-requester' }),
    api(url, 'POST', '/v1/account-requests/vend-000000000000000000000000/cancel', { token: 'dev-admin' }),
    api(url, 'GET', '/readyz'),
  ]);
  for (const res of calls) {
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: { code: 'TEMPORAL_UNAVAILABLE', message: expect.any(String) } });
    expect(res.headers.get('retry-after')).toBeTruthy();
  }
  expect(Date.now() - started).toBeLessThan(5_000);
  expect((await api(url, 'GET', '/healthz')).status).toBe(200);
  // Still up and still answering after the failures.
  expect((await api(url, 'GET', '/v1/account-requests', { token: 'dev-requester' })).status).toBe(503);
});

test('Temporal pushing back (RESOURCE_EXHAUSTED) is a 429 with Retry-After', async () => {
  // A gRPC interceptor in front of the real server that answers like a rate-limited namespace.
  const rateLimited: Interceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start: (_metadata, listener) => {
        setImmediate(() =>
          listener.onReceiveStatus({ code: status.RESOURCE_EXHAUSTED, details: 'namespace rate limit exceeded', metadata: new Metadata() }),
        );
      },
      sendMessage: () => undefined,
      halfClose: () => undefined,
    });
  const { url } = await apiOn(connectTemporalLazily(process.env.VEND_TEST_TEMPORAL_ADDRESS!, { interceptors: [rateLimited] }));
  for (const res of [
    await api(url, 'POST', '/v1/account-requests', { token: 'dev-requester', body: newRequest }),
    await api(url, 'GET', '/v1/account-requests?stage=completed', { token: 'dev-requester' }),
  ]) {
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    expect(res.headers.get('retry-after')).toBe('2');
  }
});

test('/readyz with Temporal up but no worker yet is a 503 naming the missing directory; logs are JSON lines carrying the request id, without the bearer token', async () => {
  const lines: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const { url } = await apiOn(await Connection.connect({ address: process.env.VEND_TEST_TEMPORAL_ADDRESS! }), logStream);
  // No worker serves this task queue: nothing has listed the organization's OUs, so a new request could not be checked.
  expect(await api(url, 'GET', '/readyz')).toMatchObject({ status: 503, body: { error: { code: 'ORGANIZATION_DIRECTORY_UNAVAILABLE' } } });

  const res = await api(url, 'GET', '/v1/account-requests?pageSize=1', { token: 'dev-requester', headers: { 'x-request-id': 'trace-abc-123' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
  const hostile = await api(url, 'GET', '/healthz', { headers: { 'x-request-id': 'bad id\twith "quotes"' } });
  expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

  const logged = lines.map((line) => JSON.parse(line));
  const mine = logged.filter((entry) => entry.reqId === 'trace-abc-123');
  expect(mine.map((entry) => entry.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  expect(mine.every((entry) => typeof entry.level === 'number' && typeof entry.time === 'number')).toBe(true);
  expect(lines.join('\n')).not.toContain('dev-requester');
});

test('close() lets an in-flight request finish and refuses new ones', async () => {
  const { app, url } = await buildSlowApi();
  const inFlight = api(url, 'GET', '/healthz');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const closing = app.close();
  const finished = await inFlight;
  expect(finished.status).toBe(200);
  await closing;
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
});

async function buildSlowApi(): Promise<{ app: FastifyInstance; url: string }> {
  const connection = connectTemporalLazily(process.env.VEND_TEST_TEMPORAL_ADDRESS!);
  connections.push(connection);
  const app = await buildApi({
    signer: randomDecisionSigner(),
    temporal: new VendingClient(connection, 'default'),
    taskQueue: 'slow',
    policy: {},
    authenticator: staticTokenAuthenticator(),
    logLevel: 'silent',
  });
  // A request that takes a while, so the close overlaps it.
  app.addHook('onRequest', async () => new Promise((resolve) => setTimeout(resolve, 600)));
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
}
