/**
 * api: POST /v1/account-requests throughput and latency at 50 concurrent clients (distinct emails), beside raw
 * `client.workflow.start` at the same concurrency against the same server, in the same run. The task queue has no
 * worker: this measures accepting requests, not vending them.
 */
import { randomDecisionSigner } from '../../client/decision-signer';
import { randomUUID } from 'node:crypto';
import { startVending } from '../../client/temporal';
import { VENDING_WORKFLOW_TYPE } from '../../contract/vending';
import { BENCH_DECISION_KEYS, envInt, percentile, pool, round, type BenchStack } from '../lib';

export async function runApi(stack: BenchStack, log: (line: string) => void) {
  const n = envInt('BENCH_API_REQUESTS', 1500);
  const concurrency = envInt('BENCH_API_CONCURRENCY', 50);
  const taskQueue = `bench-api-${randomUUID()}`;
  const { buildApi } = await import('../../client/api/app');
  const { staticTokenAuthenticator } = await import('../../client/api/auth');
  const api = await buildApi({
    signer: randomDecisionSigner(),
    temporal: stack.client,
    taskQueue,
    policy: {},
    authenticator: staticTokenAuthenticator(),
    logLevel: 'silent',
  });
  const url = await api.listen({ host: '127.0.0.1', port: 0 });
  const tag = Date.now().toString(36);
  const post = async (i: number, prefix: string) => {
    const email = `${prefix}-${tag}-${i}@example.com`;
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/account-requests`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-requester', 'content-type': 'application/json' },
      body: JSON.stringify({ email, accountName: `${prefix}-${i}`, organizationalUnit: 'Workloads' }),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
    return performance.now() - t0;
  };
  const raw = async (i: number) => {
    const t0 = performance.now();
    await stack.client.workflow.start(VENDING_WORKFLOW_TYPE, {
      workflowId: `raw-${tag}-${i}`,
      taskQueue,
      args: [{ request: { email: `raw-${tag}-${i}@example.com`, accountName: `raw-${i}`, organizationalUnit: 'Workloads' }, requester: 'bench', requestedAt: new Date().toISOString() }],
    });
    return performance.now() - t0;
  };
  // startVending (the API's own call) directly: separates the HTTP layer's cost from the start's.
  const direct = async (i: number) => {
    const t0 = performance.now();
    await startVending(stack.client, {
        decisionKeys: BENCH_DECISION_KEYS,
      request: { email: `direct-${tag}-${i}@example.com`, accountName: `direct-${i}`, organizationalUnit: 'Workloads' },
      requester: 'bench',
      requesterRoles: ['requester'],
      policy: {},
      taskQueue,
    });
    return performance.now() - t0;
  };
  const measure = async (what: string, task: (i: number) => Promise<number>) => {
    await pool(concurrency, concurrency, task.bind(null)); // warm-up (connections, JIT), not counted
    const t0 = performance.now();
    const lat = await pool(n, concurrency, (i) => task(i + concurrency));
    const seconds = (performance.now() - t0) / 1000;
    const r = { perSecond: round(n / seconds), p50Ms: round(percentile(lat, 50), 2), p99Ms: round(percentile(lat, 99), 2) };
    log(`[api] ${what}: ${r.perSecond}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
    return r;
  };
  try {
    const apiR = await measure('POST /v1/account-requests', (i) => post(i, 'api'));
    const rawR = await measure('client.workflow.start', raw);
    const directR = await measure('startVending', direct);
    return {
      requests: n,
      concurrency,
      perSecond: apiR.perSecond,
      p50Ms: apiR.p50Ms,
      p99Ms: apiR.p99Ms,
      rawStart: rawR,
      startVending: directR,
      /** API throughput / raw start throughput (1 = the HTTP layer costs nothing). */
      ratioToRawStart: round(apiR.perSecond / rawR.perSecond, 3),
      p99RatioToRawStart: round(apiR.p99Ms / rawR.p99Ms, 2),
    };
  } finally {
    await api.close();
    // The started workflows have no worker; terminate them so they do not linger in the dev server.
  }
}
