/**
 * baseline: N accounts at once, each with a blueprint that enables 3 opt-in regions and makes 4 Identity Center
 * assignments, against AWS's creation and region quotas (time-scaled). Efficiency is the floor those quotas set
 * together (bench/baseline-floor.ts) over what we achieved, from the first request to the last request completed.
 */
import { baselineInputFor } from '../../client/baseline';
import { startVending } from '../../client/temporal';
import { CREATION_QUOTAS, REGION_CHANGES_IN_PROGRESS } from '../../contract/aws-quotas';
import { BlueprintSchema } from '../../contract/blueprint';
import { resolvePolicy } from '../../contract/policy-defaults';
import { type VendingResult } from '../../contract/vending';
import { type SandboxSettingsPatch } from '../../sandbox';
import { baselineFloorMs, usableTimes } from '../baseline-floor';
import { BENCH_DECISION_KEYS, envInt, round, sandboxState, scaledPolicy, startBenchEnv, type BenchStack } from '../lib';

const AWS = { creationMs: 60_000, readyDelayMs: 10_000, creationPollMs: 3_000, readinessPollMs: 2_000, regionEnableMs: 300_000, assignmentMs: 5_000, baselinePollMs: 10_000 };

const BLUEPRINT = BlueprintSchema.parse({
  name: 'bench-baseline',
  version: 1,
  steps: {
    identityCenter: {
      assignments: [
        { group: 'Platform Admins', permissionSet: 'AdministratorAccess' },
        { group: 'Developers', permissionSet: 'PowerUserAccess' },
        { group: 'Security Auditors', permissionSet: 'ReadOnlyAccess' },
        { user: 'alice', permissionSet: 'ReadOnlyAccess' },
      ],
    },
    regions: { enable: ['eu-south-1', 'me-south-1', 'ap-east-1'] },
  },
});

export interface BaselineBenchResult {
  accounts: number;
  timeScale: number;
  regionEnableSeconds: number;
  achievedSeconds: number;
  floorSeconds: number;
  /** The creation quotas' floor alone (accounts usable), for comparison. */
  creationFloorSeconds: number;
  efficiency: number;
  failed: number;
  peakRegionChangesOrganization: number;
  peakRegionChangesAccount: number;
  regionChangesRefused: number;
  duplicateAssignments: number;
  awsCallsPerAccount: number;
  realSeconds: number;
}

export async function runBaseline(stack: BenchStack, log: (line: string) => void): Promise<BaselineBenchResult> {
  const n = envInt('BENCH_BASELINE_ACCOUNTS', 100);
  const timeScale = envInt('BENCH_BASELINE_TIME_SCALE', 10);
  const regionEnableMs = envInt('BENCH_REGION_ENABLE_SECONDS', AWS.regionEnableMs / 1000) * 1000;
  const settings: SandboxSettingsPatch = {
    timeScale,
    createAccountDurationMs: AWS.creationMs,
    accountReadyDelayMs: AWS.readyDelayMs,
    regionEnableDurationMs: regionEnableMs,
    assignmentCreationMs: AWS.assignmentMs,
    throttling: true,
    linkedAccountAccess: true,
  };
  const usable = usableTimes({ accounts: n, creationMs: AWS.creationMs, createRatePerSecond: CREATION_QUOTAS.createsPerSecond, createBurst: CREATION_QUOTAS.burst, maxInFlight: CREATION_QUOTAS.maxInFlight, readyDelayMs: AWS.readyDelayMs });
  const floorMs = baselineFloorMs({
    usableAtMs: usable,
    regionsPerAccount: 3,
    regionEnableMs,
    assignmentMs: AWS.assignmentMs,
    maxRegionChangesPerOrganization: REGION_CHANGES_IN_PROGRESS.perOrganization,
    maxRegionChangesPerAccount: REGION_CHANGES_IN_PROGRESS.perAccount,
  });
  log(`[baseline] ${n} requests x (3 regions, 4 assignments) at time scale ${timeScale} (floor ${round(floorMs / 1000)} s AWS time)`);

  const env = await startBenchEnv(stack, { sandbox: settings, worker: true });
  const policy = scaledPolicy(timeScale, AWS);
  const scaled = (ms: number) => Math.max(10, Math.round(ms / timeScale));
  const resolved = baselineInputFor(BLUEPRINT, resolvePolicy(policy), {
    pollIntervalMs: scaled(AWS.baselinePollMs),
    stepDeadlineMs: scaled(3_600_000),
    regionsDeadlineMs: scaled(24 * 3_600_000),
    regionSlotWaitMs: scaled(2 * 3_600_000),
  });
  if ('problem' in resolved) throw new Error(resolved.problem);
  const emails = Array.from({ length: n }, (_, i) => `bl-${i}-${Date.now()}@example.com`);
  let results: (VendingResult | Error)[];
  let state: any;
  let real: number;
  try {
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
          baseline: resolved.baseline,
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
    real = lastEnd - t0;
    state = await sandboxState(env.sandbox);
  } finally {
    await env.stop();
  }
  const failed = results.filter((r) => r instanceof Error || r.stage !== 'completed' || r.baseline?.steps.some((s) => s.state !== 'done')).length;
  const achievedMs = real * timeScale;
  const b = state.baseline;
  log(`[baseline] ${round(achievedMs / 1000)} s AWS time (${round(real / 1000)} s real), failed ${failed}, peak regions ${b.peakRegionChangesOrganization}/${REGION_CHANGES_IN_PROGRESS.perOrganization}`);
  return {
    accounts: n,
    timeScale,
    regionEnableSeconds: regionEnableMs / 1000,
    achievedSeconds: round(achievedMs / 1000),
    floorSeconds: round(floorMs / 1000),
    creationFloorSeconds: round(Math.max(...usable) / 1000),
    efficiency: round(floorMs / achievedMs, 3),
    failed,
    peakRegionChangesOrganization: b.peakRegionChangesOrganization,
    peakRegionChangesAccount: b.peakRegionChangesAccount,
    regionChangesRefused: b.regionChangesRefused,
    duplicateAssignments: Object.values(b.assignmentCreations as Record<string, number>).reduce((d, c) => d + Math.max(0, c - 1), 0),
    awsCallsPerAccount: round(state.totals.calls / n),
    realSeconds: round(real / 1000),
  };
}
