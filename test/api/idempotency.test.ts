/**
 * Idempotency-Key under concurrency and failure, through HTTP against the running API, the Temporal dev server and
 * the sandbox. The key is reserved by a workflow whose id derives from (requester, key), so it is exact without
 * visibility: 20 concurrent POSTs with one key start one request, whatever their bodies; a retried POST is answered
 * with what really happened (started, never started, or refused because the email already had a request).
 */
import { randomDecisionSigner } from '../../client/decision-signer';
import { buildApi } from '../../client/api/app';
import { staticTokenAuthenticator } from '../../client/api/auth';
import { fingerprintOf } from '../../client/api/idempotency';
import { reserveIdempotencyKey } from '../../client/temporal';
import { requestIdForEmail } from '../../contract/request-id';
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ api: true, sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());

const body = (name: string, extra: Record<string, unknown> = {}) => ({
  accountName: name,
  email: `${name}@example.com`,
  organizationalUnit: 'Workloads',
  ...extra,
});
const post = (payload: unknown, key?: string, token = 'dev-requester', url = env.apiUrl!) =>
  api(url, 'POST', '/v1/account-requests', { token, body: payload, headers: key ? { 'idempotency-key': key } : {} });

async function exists(id: string): Promise<boolean> {
  try {
    await env.client.workflow.getHandle(id).describe();
    return true;
  } catch {
    return false;
  }
}

const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {});

const ROUNDS = 3;

test(`20 concurrent POSTs with one key and 20 different emails: one 202, nineteen 409 IDEMPOTENCY_KEY_REUSED (${ROUNDS} rounds)`, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const key = `race-${round}-${Date.now()}`;
    const names = Array.from({ length: 20 }, (_, i) => `race-${round}-${i}`);
    const answers = await Promise.all(names.map((name) => post(body(name), key)));
    const counts = tally(answers.map((a) => a.status));
    process.stdout.write(`idempotency race, different bodies, round ${round + 1}: ${JSON.stringify(counts)}\n`);
    expect(counts).toEqual({ 202: 1, 409: 19 });

    const winner = answers.find((a) => a.status === 202)!.body.id;
    for (const refused of answers.filter((a) => a.status === 409)) {
      expect(refused.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { requestId: winner } });
    }
    // Exactly one of the 20 emails has a workflow: looked up by id (strongly consistent), not through visibility.
    const started = (await Promise.all(names.map((name) => exists(requestIdForEmail(`${name}@example.com`))))).filter(Boolean);
    expect(started).toHaveLength(1);
  }
});

test(`20 concurrent POSTs with one key and one body: one 202, nineteen 200 with the same id (${ROUNDS} rounds)`, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const key = `same-${round}-${Date.now()}`;
    const payload = body(`same-${round}`);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(payload, key)));
    const counts = tally(answers.map((a) => a.status));
    process.stdout.write(`idempotency race, one body, round ${round + 1}: ${JSON.stringify(counts)}\n`);
    expect(counts).toEqual({ 200: 19, 202: 1 });
    expect(new Set(answers.map((a) => a.body.id))).toEqual(new Set([requestIdForEmail(payload.email)]));
  }
});

test('the key was reserved but the request never started (the start failed): the retried POST starts it, once', async () => {
  const payload = body('reserved-not-started');
  const key = `reserved-${Date.now()}`;
  // What a POST leaves behind when Temporal refused the vending start after the key's reservation.
  const reservation = await reserveIdempotencyKey(env.client, {
    taskQueue: env.taskQueue,
    fingerprint: fingerprintOf('alice', key, payload),
    requestId: requestIdForEmail(payload.email),
    windowMs: 60_000,
  });
  expect(reservation).toEqual({ reserved: true });
  expect(await exists(requestIdForEmail(payload.email))).toBe(false);

  const retried = await post(payload, key);
  expect(retried.status).toBe(202);
  const again = await post(payload, key);
  expect(again.status).toBe(200);
  expect(again.body.id).toBe(retried.body.id);
  const other = await post(body('reserved-other'), key);
  expect(other.status).toBe(409);
  expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
});

test('the email already had a request: the retried POST is refused the same way; its key stays bound to that body', async () => {
  const first = await post(body('taken-email'), undefined, 'dev-admin');
  expect(first.status).toBe(202);
  const key = `taken-${Date.now()}`;
  const payload = body('taken-email', { justification: 'mine now' });
  for (let attempt = 0; attempt < 2; attempt++) {
    const res = await post(payload, key);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'EMAIL_ALREADY_REQUESTED', details: { requestId: first.body.id } });
  }
  const otherBody = await post(body('taken-email-other'), key);
  expect(otherBody.status).toBe(409);
  expect(otherBody.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
});

test('a request that ended (terminated) is still the answer to its key: the retry is a 200, not a second run', async () => {
  const payload = body('ended-request');
  const key = `ended-${Date.now()}`;
  const first = await post(payload, key);
  expect(first.status).toBe(202);
  const handle = env.client.workflow.getHandle(first.body.id);
  const firstRun = (await handle.describe()).runId;
  await handle.terminate('test: the request ended');
  const retried = await post(payload, key);
  expect(retried.status).toBe(200);
  expect(retried.body.id).toBe(first.body.id);
  // The latest run of that id is still the first one (describe is strongly consistent; visibility might lag).
  const latest = await handle.describe();
  expect({ runId: latest.runId, status: latest.status.name }).toEqual({ runId: firstRun, status: 'TERMINATED' });
});

test('after the window the key is free again', async () => {
  const app = await buildApi({
    signer: randomDecisionSigner(),
    temporal: env.client,
    taskQueue: env.taskQueue,
    policy: env.policy,
    authenticator: staticTokenAuthenticator(),
    logLevel: 'silent',
    idempotencyWindowMs: 1_000,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const key = `window-${Date.now()}`;
    expect((await post(body('window-one'), key, 'dev-requester', url)).status).toBe(202);
    expect((await post(body('window-two'), key, 'dev-requester', url)).status).toBe(409);
    const later = await waitFor(
      'the key to be released',
      async () => {
        const res = await post(body('window-two'), key, 'dev-requester', url);
        return res.status === 202 ? res : undefined;
      },
      20_000,
      250,
    );
    expect(later.body.id).toBe(requestIdForEmail('window-two@example.com'));
  } finally {
    await app.close();
  }
});
