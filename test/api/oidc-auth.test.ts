/**
 * The API as its own process (`tsx client/api/main.ts`, configured from the environment) in OIDC mode: JWTs
 * verified against a JWKS served by a tiny local HTTP server. Tokens are signed here with node:crypto (RS256), so
 * the test needs nothing ESM-only in jest; the API process uses jose. Also checks, on the real process: the Scalar
 * docs page, JSON logs with the request id, and a clean exit on SIGTERM.
 */
import { randomDecisionKeysEnv } from '../../client/decision-signer';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { apiConfigFromEnv } from '../../client/api/config';
import { freePort } from '../../tooling/processes';
import { api, waitFor } from '../support/http';

const ROOT = path.resolve(__dirname, '..', '..');
const ISSUER = 'https://idp.example.test/realms/platform';
const AUDIENCE = 'account-vending';
const issuerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
let jwks: Server;
let apiProcess: ChildProcess;
let url: string;
const stdout: string[] = [];

beforeAll(async () => {
  const publicJwk = { ...issuerKey.publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  apiProcess = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['client/api/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...randomDecisionKeysEnv(),
      API_PORT: String(port),
      TEMPORAL_ADDRESS: process.env.VEND_TEST_TEMPORAL_ADDRESS,
      VEND_TASK_QUEUE: `oidc-${Date.now()}`,
      LOG_LEVEL: 'info',
      VEND_AUTH_MODE: 'oidc',
      VEND_OIDC_ISSUER: ISSUER,
      VEND_OIDC_AUDIENCE: AUDIENCE,
      VEND_OIDC_JWKS_URL: `http://127.0.0.1:${(jwks.address() as { port: number }).port}/protocol/openid-connect/certs`,
      VEND_OIDC_ROLES_CLAIM: 'realm_access.roles',
      VEND_OIDC_USER_CLAIM: 'preferred_username',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  apiProcess.stdout!.on('data', (chunk: Buffer) => stdout.push(...chunk.toString().split('\n').filter(Boolean)));
  apiProcess.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[api] ${chunk}`));
  await waitFor('the API process to answer', async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 30_000, 200);
});

afterAll(async () => {
  if (apiProcess && apiProcess.exitCode === null) apiProcess.kill('SIGKILL');
  await new Promise((resolve) => jwks?.close(resolve));
});

interface TokenOptions {
  user?: string;
  roles?: string[];
  issuer?: string;
  audience?: string;
  expiresInSeconds?: number;
  key?: KeyObject;
}

function token(opts: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: opts.issuer ?? ISSUER,
    aud: opts.audience ?? AUDIENCE,
    sub: '5f1c0d1e-user',
    preferred_username: opts.user ?? 'dana',
    realm_access: { roles: opts.roles ?? ['requester', 'offline_access'] },
    iat: now,
    exp: now + (opts.expiresInSeconds ?? 300),
  };
  const input = `${b64({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(opts.key ?? issuerKey.privateKey).toString('base64url')}`;
}

test('a valid token from the issuer is accepted; its roles claim decides what the caller may do', async () => {
  expect((await api(url, 'GET', '/v1/account-requests?pageSize=1', { token: token() })).status).toBe(200);
  const approverOnly = await api(url, 'POST', '/v1/account-requests', {
    token: token({ roles: ['approver'] }),
    body: { accountName: 'oidc', email: 'oidc@example.com', organizationalUnit: 'Workloads' },
  });
  expect(approverOnly.status).toBe(403);
  expect(approverOnly.body.error.message).toContain('dana');
});

test.each<[string, () => string]>([
  ['expired', () => token({ expiresInSeconds: -120 })],
  ['from another issuer', () => token({ issuer: 'https://evil.example.test' })],
  ['for another audience', () => token({ audience: 'another-api' })],
  ['signed by an unknown key', () => token({ key: strangerKey.privateKey })],
  ['unsigned (alg none)', () => `${b64({ alg: 'none' })}.${b64({ iss: ISSUER, aud: AUDIENCE, preferred_username: 'x', exp: 9e9 })}.`],
  ['carrying a user id unfit for visibility queries', () => token({ user: 'x" OR Requester="y' })],
  ['a dev token (dev mode is off)', () => 'dev-admin'],
])('401 for a token %s', async (_what, make) => {
  const res = await api(url, 'GET', '/v1/account-requests', { token: make() });
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
});

test('the process serves the Scalar API reference at /docs and the OpenAPI document it reads', async () => {
  const docs = await fetch(`${url}/docs/`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toMatch(/scalar/i);
  expect((await api(url, 'GET', '/openapi.json')).body.openapi).toBe('3.1.0');
});

test('logs are JSON lines with the request id; SIGTERM shuts the process down cleanly', async () => {
  await api(url, 'GET', '/v1/account-requests', { token: token(), headers: { 'x-request-id': 'oidc-trace-1' } });
  const exited = new Promise<number | null>((resolve) => apiProcess.once('exit', (code) => resolve(code)));
  apiProcess.kill('SIGTERM');
  expect(await exited).toBe(0);
  const entries = stdout.map((line) => JSON.parse(line));
  expect(entries.filter((e) => e.reqId === 'oidc-trace-1').map((e) => e.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  expect(entries.some((e) => /shutting down/.test(e.msg))).toBe(true);
});

test('OIDC settings are validated: a missing issuer or an unknown mode stops the API with a message naming it', () => {
  expect(() => apiConfigFromEnv({ VEND_AUTH_MODE: 'oidc', VEND_OIDC_AUDIENCE: 'a', VEND_OIDC_JWKS_URL: 'http://127.0.0.1/jwks' })).toThrow(/auth\.issuer/);
  expect(() => apiConfigFromEnv({ VEND_AUTH_MODE: 'ldap' })).toThrow(/auth/);
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
