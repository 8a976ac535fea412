/**
 * overhead: what orchestration costs on top of AWS. A sandbox that answers at once (no latency, creation and
 * readiness immediate, no throttling), requests one after another through the real HTTP API; per request the time
 * from POST to `completed` beside the wall time its AWS calls took (timed inside the worker's SDK clients).
 */
import { randomDecisionSigner } from '../../client/decision-signer';
import { statusQuery, type VendingResult } from '../../contract/vending';
import { envInt, percentile, round, sandboxState, startBenchEnv, type BenchStack } from '../lib';

export async function runOverhead(stack: BenchStack, log: (line: string) => void) {
  const n = envInt('BENCH_OVERHEAD_REQUESTS', 30);
  const pollMs = envInt('BENCH_OVERHEAD_POLL_MS', 100);
  const env = await startBenchEnv(stack, {
    sandbox: {
      timeScale: 100_000,
      createAccountDurationMs: 0,
      accountReadyDelayMs: 0,
      throttling: false,
      faults: { latencyMs: 0, throttleRate: 0, errorRate: 0 },
      linkedAccountAccess: true,
    },
    worker: true,
  });
  const { buildApi } = await import('../../client/api/app');
  const { staticTokenAuthenticator } = await import('../../client/api/auth');
  const api = await buildApi({
    signer: randomDecisionSigner(),
    temporal: stack.client,
    taskQueue: env.taskQueue,
    policy: { creationPollIntervalMs: pollMs, readinessPollIntervalMs: pollMs, activityAttemptTimeoutMs: 30_000 },
    authenticator: staticTokenAuthenticator(),
    logLevel: 'silent',
  });
  const url = await api.listen({ host: '127.0.0.1', port: 0 });
  const total: number[] = [];
  const aws: number[] = [];
  const calls: number[] = [];
  const stages: Record<string, number[]> = {};
  try {
    for (let i = 0; i < n; i++) {
      const email = `oh-${i}-${Date.now()}@example.com`;
      const before = { ms: env.timer.totalMs, calls: env.timer.calls };
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/account-requests`, {
        method: 'POST',
        headers: { authorization: 'Bearer dev-requester', 'content-type': 'application/json' },
        body: JSON.stringify({ email, accountName: `oh-${i}`, organizationalUnit: 'Workloads' }),
      });
      if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      const result: VendingResult = await stack.client.workflow.getHandle(id).result();
      const elapsed = performance.now() - t0;
      if (result.stage !== 'completed') throw new Error(`${id} ended ${result.stage}`);
      total.push(elapsed);
      aws.push(env.timer.totalMs - before.ms);
      calls.push(env.timer.calls - before.calls);
      // Time per stage, from the workflow's own timeline.
      const tl = result.timeline;
      for (let s = 0; s + 1 < tl.length; s++) {
        (stages[tl[s].stage] ??= []).push(Date.parse(tl[s + 1].enteredAt) - Date.parse(tl[s].enteredAt));
      }
      void statusQuery;
    }
  } finally {
    await api.close();
    await env.stop().catch(() => undefined);
  }
  const overheadMs = total.map((t, i) => t - aws[i]);
  const state = undefined as unknown;
  void state;
  void sandboxState;
  const result = {
    requests: n,
    pollIntervalMs: pollMs,
    p50Ms: round(percentile(total, 50)),
    p95Ms: round(percentile(total, 95)),
    p99Ms: round(percentile(total, 99)),
    awsCallsPerRequest: round(calls.reduce((a, b) => a + b, 0) / n),
    awsTimeP50Ms: round(percentile(aws, 50)),
    awsTimeP99Ms: round(percentile(aws, 99)),
    orchestrationP50Ms: round(percentile(overheadMs, 50)),
    orchestrationP99Ms: round(percentile(overheadMs, 99)),
    stageP50Ms: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, round(percentile(v, 50))])),
  };
  log(`[overhead] p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, AWS calls ${result.awsTimeP50Ms} ms p50`);
  return result;
}
