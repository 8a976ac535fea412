/**
 * The OpenAPI document: valid OpenAPI 3.1 (checked by @seriousme/openapi-schema-validator, run as its CLI because the
 * package is ESM-only), and complete: every route the app serves, except those hidden on purpose, is documented
 * with its method. No Temporal call is made, so the app is built on a connection that is never used.
 */
import { VendingClient } from '../../client/temporal';
import { randomDecisionSigner } from '../../client/decision-signer';
import { type FastifyInstance, type RouteOptions } from 'fastify';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildApi } from '../../client/api/app';
import { staticTokenAuthenticator } from '../../client/api/auth';
import { connectTemporalLazily } from '../../client/temporal';

const routes: RouteOptions[] = [];
let app: FastifyInstance;
let spec: any;
let url: string;
const connection = connectTemporalLazily('127.0.0.1:1');

beforeAll(async () => {
  app = await buildApi({
    signer: randomDecisionSigner(),
    temporal: new VendingClient(connection, 'default'),
    taskQueue: 'openapi',
    policy: {},
    authenticator: staticTokenAuthenticator(),
    logLevel: 'silent',
    onRoute: (route) => void routes.push(route),
  });
  // Over real HTTP: Fastify's inject needs an ESM-only dependency that jest cannot load on Node 20.
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  spec = await (await fetch(`${url}/openapi.json`)).json();
});
afterAll(async () => {
  await app?.close();
  await connection.close();
});

test('/openapi.json is a valid OpenAPI 3.1 document', async () => {
  expect(spec.openapi).toBe('3.1.0');
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(spec));
  const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js', { paths: [process.cwd()] });
  const { stdout } = await promisify(execFile)(process.execPath, [cli, file]).catch((err: { stdout: string }) => err);
  const result = JSON.parse(stdout);
  expect(result).toMatchObject({ valid: true });
});

test('every non-hidden route is documented with its method, and the document lists no route the app lacks', () => {
  const served = routes
    .filter((route) => !(route.schema as { hide?: boolean } | undefined)?.hide)
    .flatMap((route) => (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({ method: method.toLowerCase(), url: route.url })))
    .filter(({ method }) => method !== 'head') // Fastify's automatic HEAD twins of GET routes
    .map(({ method, url }) => `${method} ${url.replace(/:(\w+)/g, '{$1}')}`);
  const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(([url, methods]) =>
    Object.keys(methods).map((method) => `${method} ${url}`),
  );
  expect(served.length).toBeGreaterThanOrEqual(8);
  expect(new Set(documented)).toEqual(new Set(served));
  expect(served).toEqual(
    expect.arrayContaining([
      'post /v1/account-requests',
      'get /v1/account-requests',
      'get /v1/account-requests/{id}',
      'post /v1/account-requests/{id}/decision',
      'post /v1/account-requests/{id}/remediation-confirmation',
      'post /v1/account-requests/{id}/cancel',
      'post /v1/closure-requests',
      'get /v1/closure-requests',
      'get /v1/closure-requests/{id}',
      'post /v1/closure-requests/{id}/decision',
      'post /v1/closure-requests/{id}/cancel',
      'get /healthz',
      'get /readyz',
    ]),
  );
});

test('each /v1 operation documents its error answers with the error shape, and the bearer scheme', () => {
  for (const [url, methods] of Object.entries(spec.paths as Record<string, Record<string, any>>)) {
    if (!url.startsWith('/v1/')) continue;
    for (const [method, operation] of Object.entries(methods)) {
      const codes = Object.keys(operation.responses);
      expect({ op: `${method} ${url}`, has401: codes.includes('401'), has503: codes.includes('503') }).toEqual({ op: `${method} ${url}`, has401: true, has503: true });
      expect(operation.responses['401'].content['application/json'].schema.properties.error).toBeDefined();
    }
  }
  expect(spec.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
});

test('/docs serves the interactive API reference page', async () => {
  const page = await fetch(`${url}/docs`);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/scalar/i);
});
