/**
 * api: POST /v1/account-requests throughput and latency at 50 concurrent clients (distinct emails), beside raw
 * `client.workflow.start` at the same concurrency against the same server, in the same run. The task queue has no
 * worker: this measures accepting requests, not vending them. The API checks each OU against the organization
 * directory a worker publishes (a workflow's memo); with no worker, the bench starts that workflow with a directory in
 * its memo itself.
 */
import { randomDecisionSigner } from '../../client/decision-signer';
import { randomUUID } from 'node:crypto';
import { startVending } from '../../client/temporal';
import { ORGANIZATION_DIRECTORY_MEMO_KEY, ORGANIZATION_DIRECTORY_WORKFLOW_TYPE, organizationDirectoryWorkflowId, type OrganizationDirectory } from '../../contract/organization-directory';
import { VENDING_WORKFLOW_TYPE } from '../../contract/vending';
import { BENCH_DECISION_KEYS, envInt, percentile, pool, round, type BenchStack } from '../lib';

export async function runApi(stack: BenchStack, log: (line: string) => void) {
  const n = envInt('BENCH_API_REQUESTS', 1500);
  const concurrency = envInt('BENCH_API_CONCURRENCY', 50);
  const taskQueue = `bench-api-${randomUUID()}`;
  const directory: OrganizationDirectory = { rootId: 'r-bench', listedAt: new Date().toISOString(), units: [{ id: 'ou-bench-workloads', name: 'Workloads', path: 'Workloads' }] };
  const published = await stack.client.workflow.start(ORGANIZATION_DIRECTORY_WORKFLOW_TYPE, {
    workflowId: organizationDirectoryWorkflowId(taskQueue),
    taskQueue,
    args: [],
    memo: { [ORGANIZATION_DIRECTORY_MEMO_KEY]: directory },
  });
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
  // The three are measured in interleaved rounds (api, raw, direct; then raw, direct, api; ...): a machine whose load
  // changes during the run then weighs on each alike, and the ratios compare like with like.
  const kinds = [
    { what: 'POST /v1/account-requests', task: (i: number) => post(i, 'api'), latencies: [] as number[], seconds: 0 },
    { what: 'client.workflow.start', task: raw, latencies: [] as number[], seconds: 0 },
    { what: 'startVending', task: direct, latencies: [] as number[], seconds: 0 },
  ];
  const rounds = Math.max(1, envInt('BENCH_API_ROUNDS', 5));
  const perRound = Math.ceil(n / rounds);
  try {
    for (const k of kinds) await pool(concurrency, concurrency, k.task); // warm-up (connections, JIT), not counted
    let next = concurrency;
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < kinds.length; j++) {
        const k = kinds[(r + j) % kinds.length];
        const base = next;
        next += perRound;
        const t0 = performance.now();
        k.latencies.push(...(await pool(perRound, concurrency, (i) => k.task(base + i))));
        k.seconds += (performance.now() - t0) / 1000;
      }
    }
    const [apiR, rawR, directR] = kinds.map((k) => {
      const r = { perSecond: round(k.latencies.length / k.seconds), p50Ms: round(percentile(k.latencies, 50), 2), p99Ms: round(percentile(k.latencies, 99), 2) };
      log(`[api] ${k.what}: ${r.perSecond}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms (${rounds} interleaved rounds)`);
      return r;
    });
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
    await published.terminate('bench done').catch(() => undefined);
  }
}
