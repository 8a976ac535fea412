/**
 * throughput: N requests at once against AWS's real quotas (time-scaled), beside two baseline strategies that drive
 * a fresh sandbox with the same settings directly through the AWS SDK: `serial` (Landing Zone Accelerator: one at a
 * time, poll every 15 s) and `batch5` (AFT: 5 in parallel, new work taken every 5 minutes).
 */
import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { startVending } from '../../client/temporal';
import { type VendingResult } from '../../contract/vending';
import { startSandbox, type SandboxSettingsPatch } from '../../sandbox';
import { quotaFloor } from '../floor';
import { BENCH_DECISION_KEYS, envInt, round, sandboxState, scaledPolicy, sleep, startBenchEnv, type BenchStack } from '../lib';

export interface ThroughputResult {
  accounts: number;
  timeScale: number;
  creationSeconds: number;
  accountReadyDelaySeconds: number;
  /** AWS seconds (real x timeScale) from the first request to the last completed. */
  achievedSeconds: number;
  floorSeconds: number;
  floorBinding: string;
  efficiency: number;
  failed: number;
  duplicates: number;
  throttled: number;
  throttledBy: Record<string, number>;
  faults: number;
  awsCallsPerAccount: number;
  createAccountCalls: number;
  serialSeconds: number;
  batch5Seconds: number;
  vsSerial: number;
  vsBatch5: number;
  realSeconds: { ours: number; baselines: number };
  pacing: ReturnType<typeof creationPacing>;
}

/** Where the time went: how full the 5 creation slots were, and what came before the first and after the last. */
function creationPacing(requests: { requestedAt: string; completedAt?: string }[], scale: number, t0: number, end: number) {
  const spans = requests.map((r) => [Date.parse(r.requestedAt), Date.parse(r.completedAt ?? r.requestedAt)]);
  const first = Math.min(...spans.map((s) => s[0]));
  const last = Math.max(...spans.map((s) => s[1]));
  const busy = spans.reduce((a, s) => a + (s[1] - s[0]), 0);
  return {
    /** AWS s from the first request to the first CreateAccount. */
    leadSeconds: round(((first - t0) * scale) / 1000),
    /** AWS s from the first CreateAccount to the last SUCCEEDED. */
    creationPhaseSeconds: round(((last - first) * scale) / 1000),
    /** Mean creations in flight during that phase (AWS allows 5). */
    meanInFlight: round(busy / Math.max(1, last - first), 2),
    /** AWS s from the last SUCCEEDED to the last request completed (poll, place, ready, verify). */
    tailSeconds: round(((end - last) * scale) / 1000),
  };
}

const AWS = { creationMs: 60_000, readyDelayMs: 10_000, creationPollMs: 3_000, readinessPollMs: 2_000 };

export async function runThroughput(stack: BenchStack, log: (line: string) => void): Promise<ThroughputResult> {
  const n = envInt('BENCH_ACCOUNTS', 100);
  // Our orchestration takes real milliseconds that the time scale multiplies into AWS seconds (at scale 100, 100 ms
  // of scheduling on 2 busy cores is 10 s of AWS time, which real AWS would never see): we run at a moderate scale.
  // The baselines are plain SDK loops whose only waits are scaled sleeps, so they run faster at a higher one.
  const timeScale = envInt('BENCH_TIME_SCALE', 2);
  const baselineTimeScale = envInt('BENCH_BASELINE_TIME_SCALE', 200);
  const settings: SandboxSettingsPatch = {
    timeScale,
    createAccountDurationMs: envInt('BENCH_CREATION_SECONDS', AWS.creationMs / 1000) * 1000,
    accountReadyDelayMs: AWS.readyDelayMs,
    throttling: true,
    linkedAccountAccess: true,
  };
  const creationMs = settings.createAccountDurationMs as number;
  const floor = quotaFloor({
    accounts: n,
    creationMs,
    createRatePerSecond: 0.1,
    createBurst: 3,
    maxInFlight: 5,
    readyDelayMs: AWS.readyDelayMs,
  });

  // ---- ours ----
  log(`[throughput] ${n} requests at time scale ${timeScale} (floor ${round(floor.floorMs / 1000)} s AWS time)`);
  const env = await startBenchEnv(stack, { sandbox: settings, worker: true });
  const policy = scaledPolicy(timeScale, AWS);
  const emails = Array.from({ length: n }, (_, i) => `tp-${i}-${Date.now()}@example.com`);
  let oursReal: number;
  let results: (VendingResult | Error)[];
  let state: any;
  let t0Wall: number;
  try {
    t0Wall = Date.now();
    const t0 = performance.now();
    const handles = await Promise.all(
      emails.map(async (email) => {
        const out = await startVending(stack.client, {
          decisionKeys: BENCH_DECISION_KEYS,
          request: { email, accountName: email.split('@')[0], organizationalUnit: 'Workloads' },
          requester: 'bench',
          requesterRoles: ['requester'],
          policy,
          taskQueue: env.taskQueue,
        });
        return stack.client.workflow.getHandle(out.id);
      }),
    );
    let lastEnd = t0;
    results = await Promise.all(
      handles.map((h) =>
        h.result().then(
          (r: VendingResult) => ((lastEnd = Math.max(lastEnd, performance.now())), r),
          (e: Error) => ((lastEnd = Math.max(lastEnd, performance.now())), e),
        ),
      ),
    );
    oursReal = lastEnd - t0;
    state = await sandboxState(env.sandbox);
  } finally {
    await env.stop();
  }
  const failed = results.filter((r) => r instanceof Error || r.stage !== 'completed').length;
  const byEmail = new Map<string, number>();
  for (const a of state.accounts as { email: string }[]) byEmail.set(a.email, (byEmail.get(a.email) ?? 0) + 1);
  const duplicates = emails.reduce((d, e) => d + Math.max(0, (byEmail.get(e) ?? 0) - 1), 0);
  const achievedMs = oursReal * timeScale;
  const pacing = creationPacing(state.createAccountRequests, timeScale, t0Wall, t0Wall + oursReal);
  log(`[throughput] ours: ${round(achievedMs / 1000)} s AWS time (${round(oursReal / 1000)} s real), failed ${failed}`);

  // ---- baselines, each on a fresh sandbox with the same settings, side by side ----
  const b0 = performance.now();
  // BENCH_BASELINES=0 skips them (a quick look at our own pacing); the ratios are then absent.
  const [serialMs, batch5Ms] =
    process.env.BENCH_BASELINES === '0'
      ? [NaN, NaN]
      : await Promise.all([
          baseline(stack, { ...settings, timeScale: baselineTimeScale }, n, 'serial'),
          baseline(stack, { ...settings, timeScale: baselineTimeScale }, n, 'batch5'),
        ]);
  const baselinesReal = performance.now() - b0;
  log(`[throughput] serial ${round(serialMs / 1000)} s, batch5 ${round(batch5Ms / 1000)} s AWS time`);

  return {
    accounts: n,
    timeScale,
    creationSeconds: creationMs / 1000,
    accountReadyDelaySeconds: AWS.readyDelayMs / 1000,
    achievedSeconds: round(achievedMs / 1000),
    floorSeconds: round(floor.floorMs / 1000),
    floorBinding: floor.binding,
    efficiency: round(floor.floorMs / achievedMs, 3),
    failed,
    duplicates,
    throttled: state.totals.throttled,
    throttledBy: Object.fromEntries(
      Object.entries(state.counters as Record<string, { throttled: number }>)
        .filter(([, c]) => c.throttled > 0)
        .map(([k, c]) => [k.replace('organizations:', ''), c.throttled]),
    ),
    faults: state.totals.faults,
    awsCallsPerAccount: round(state.totals.calls / n),
    createAccountCalls: state.counters['organizations:CreateAccount']?.calls ?? 0,
    serialSeconds: round(serialMs / 1000),
    batch5Seconds: round(batch5Ms / 1000),
    vsSerial: round(serialMs / achievedMs, 2),
    vsBatch5: round(batch5Ms / achievedMs, 2),
    pacing,
    realSeconds: { ours: round(oursReal / 1000), baselines: round(baselinesReal / 1000) },
  };
}

/** AWS ms until every account of the strategy is SUCCEEDED (the baselines stop there; ours runs to `completed`). */
async function baseline(stack: BenchStack, settings: SandboxSettingsPatch, n: number, strategy: 'serial' | 'batch5'): Promise<number> {
  const scale = settings.timeScale as number;
  const sandbox = await startSandbox({ motoServerBin: stack.tools.motoServer, settings });
  const org = new OrganizationsClient({
    region: sandbox.region,
    endpoint: sandbox.endpoint,
    credentials: sandbox.credentials,
    maxAttempts: 10,
  });
  const POLL_MS = 15_000 / scale;
  const createAndWait = async (i: number) => {
    const email = `${strategy}-${i}@example.com`;
    const { CreateAccountStatus } = await org.send(new CreateAccountCommand({ Email: email, AccountName: `${strategy}-${i}` }));
    for (;;) {
      await sleep(POLL_MS);
      const { CreateAccountStatus: s } = await org.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus!.Id }),
      );
      if (s?.State === 'SUCCEEDED') return;
      if (s?.State === 'FAILED') throw new Error(`${strategy} ${email}: ${s.FailureReason}`);
    }
  };
  try {
    const t0 = performance.now();
    if (strategy === 'serial') {
      for (let i = 0; i < n; i++) await createAndWait(i);
    } else {
      const TICK_MS = 300_000 / scale;
      for (let b = 0; b * 5 < n; b++) {
        const tick = t0 + b * TICK_MS;
        if (performance.now() < tick) await sleep(tick - performance.now());
        await Promise.all(Array.from({ length: Math.min(5, n - b * 5) }, (_, j) => createAndWait(b * 5 + j)));
      }
    }
    const elapsed = (performance.now() - t0) * scale;
    let count = 0;
    for await (const page of paginateListAccounts({ client: org }, {})) {
      count += (page.Accounts ?? []).filter((a) => a.Email?.startsWith(`${strategy}-`)).length;
    }
    if (count !== n) throw new Error(`${strategy} baseline ended with ${count} accounts instead of ${n}`);
    return elapsed;
  } finally {
    org.destroy();
    await sandbox.stop();
  }
}
