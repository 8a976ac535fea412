/**
 * Encryption of request data in Temporal, the whole path with a real dev server and the sandbox (the codec alone:
 * test/fast/codec.test.ts): history and search attributes as the Temporal CLI sees them without the codec hold no
 * email and no account name; the API still finds a request by email (keyed hash); the codec endpoint decodes for
 * an operator only.
 */
import { type Payload } from '@temporalio/common';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { AccountEmailKey } from '../../contract/search-attributes';
import { ENCRYPTED_ENCODING } from '../../encryption';
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const jsonPayload = (value: unknown): Payload => ({ metadata: { encoding: bytes('json/plain') }, data: bytes(JSON.stringify(value)) });
const b64 = (u: Uint8Array | null | undefined) => Buffer.from(u ?? new Uint8Array()).toString('base64');
const toJson = (p: Payload) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(p.data) });

describe('with encryption on, through the real stack', () => {
  let env: TestEnv;
  const run = randomUUID().slice(0, 8);
  const email = `enc-${run}@example.com`;
  const accountName = `secret-project-${run}`;
  let id: string;
  const cli = (...args: string[]) =>
    promisify(execFile)(process.env.VEND_TEST_TEMPORAL_CLI!, [...args, '--address', process.env.VEND_TEST_TEMPORAL_ADDRESS!, '-o', 'json'], {
      maxBuffer: 64 * 1024 * 1024,
    }).then((r) => r.stdout);

  beforeAll(async () => {
    env = await startTestEnv({ api: true, encryption: true, sandbox: { timeScale: 10 } });
    const created = await api(env.apiUrl!, 'POST', '/v1/account-requests', {
      token: 'dev-requester',
      body: { accountName, email, organizationalUnit: 'Workloads' },
    });
    expect(created.status).toBe(202);
    id = created.body.id;
    await waitFor(
      'the request to complete',
      async () => {
        const res = await api(env.apiUrl!, 'GET', `/v1/account-requests/${id}`, { token: 'dev-requester' });
        return res.body.stage === 'completed' ? res.body : undefined;
      },
      60_000,
    );
  });
  afterAll(async () => env?.stop());

  /** Every string in the CLI's JSON, and every base64 string decoded, so plaintext can hide in neither form. */
  function readable(json: string): string {
    const out: string[] = [json];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        if (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length >= 8) out.push(Buffer.from(v, 'base64').toString('latin1'));
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(JSON.parse(json));
    return out.join('\n');
  }

  test('the history, read with the Temporal CLI without the codec, holds neither the email nor the account name', async () => {
    const history = await cli('workflow', 'show', '-w', id);
    expect(history).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED'); // the whole run is there
    const text = readable(history);
    expect(text).toContain(ENCRYPTED_ENCODING); // payloads are ciphertext
    expect(text.toLowerCase()).not.toContain(email);
    expect(text).not.toContain(accountName);
  });

  test('the Temporal CLI with the API as its remote codec decodes the history for an operator', async () => {
    const codec = ['--codec-endpoint', `${env.apiUrl}/codec`];
    const clear = await cli('workflow', 'show', '-w', id, ...codec, '--codec-auth', 'Bearer dev-admin');
    expect(readable(clear)).toContain(email); // decoded by our endpoint (JSON output shows payloads as base64)
    expect(readable(clear)).toContain(accountName);
    // A requester's token gets 403 from the endpoint (next test); the CLI then retries until its deadline.
  });

  test('search attributes hold the keyed hash of the email, not the email', async () => {
    const description = await cli('workflow', 'describe', '-w', id);
    const text = readable(description);
    expect(text.toLowerCase()).not.toContain(email);
    expect(text).not.toContain(accountName);
    const attrs = (await env.client.workflow.getHandle(id).describe()).typedSearchAttributes;
    expect(attrs.get(AccountEmailKey)).toBe(env.protection.emailSearchValue(email));
    expect(text).toContain(env.protection.emailSearchValue(email));
  });

  test('the API still finds the request by email (any case), and only that one', async () => {
    const found = await waitFor('visibility to index it', async () => {
      const res = await api(env.apiUrl!, 'GET', `/v1/account-requests?email=${encodeURIComponent(email.toUpperCase())}`, { token: 'dev-requester' });
      return res.status === 200 && res.body.items.length > 0 ? res.body : undefined;
    });
    expect(found.items.map((i: { id: string }) => i.id)).toEqual([id]);
    const none = await api(env.apiUrl!, 'GET', `/v1/account-requests?email=${encodeURIComponent(`other-${email}`)}`, { token: 'dev-requester' });
    expect(none.body.items).toEqual([]);
    const bad = await api(env.apiUrl!, 'GET', '/v1/account-requests?email=not-an-email', { token: 'dev-requester' });
    expect(bad.status).toBe(400);
  });

  test('the codec endpoint decodes for an operator, refuses a requester (403) and a stranger (401); CORS for the Web UI', async () => {
    const raw = await env.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: id } });
    const input = raw.history!.events![0].workflowExecutionStartedEventAttributes!.input!.payloads! as Payload[];
    const body = { payloads: input.map(toJson) };
    const origin = 'http://127.0.0.1:8233';

    const decoded = await api(env.apiUrl!, 'POST', '/codec/decode', { token: 'dev-admin', body, headers: { origin, 'x-namespace': 'default' } });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(origin);
    const plain = JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString());
    expect(plain.request).toMatchObject({ email, accountName });

    const refused = await api(env.apiUrl!, 'POST', '/codec/decode', { token: 'dev-requester', body, headers: { origin } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    expect(refused.headers.get('access-control-allow-origin')).toBe(origin); // the UI can read the refusal
    expect(JSON.stringify(refused.body)).not.toContain(email);
    expect((await api(env.apiUrl!, 'POST', '/codec/decode', { body })).status).toBe(401);

    const preflight = await fetch(`${env.apiUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const foreign = await api(env.apiUrl!, 'POST', '/codec/decode', { token: 'dev-admin', body, headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    // Encode is open to any authenticated caller (it only makes ciphertext), and round-trips through decode.
    const plainPayload = toJson(jsonPayload({ hello: 'world' }));
    const encoded = await api(env.apiUrl!, 'POST', '/codec/encode', { token: 'dev-requester', body: { payloads: [plainPayload] } });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const back = await api(env.apiUrl!, 'POST', '/codec/decode', { token: 'dev-admin', body: encoded.body });
    expect(back.body.payloads).toEqual([plainPayload]);
  });
});
