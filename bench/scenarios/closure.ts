/**
 * closure: an organization of BENCH_CLOSURE_ORG_ACCOUNTS member accounts (AWS's quota: 10% of them per rolling 30
 * days, at least 10), BENCH_CLOSURES closures asked for at once and approved (by another person, signed), each through
 * quarantine and a short grace period. Every closure must reach SUSPENDED or wait in the coordinator's line for the
 * quota, none may fail, and the quota must be used to its last slot, as fast as AWS's own limits allow (CloseAccount
 * 0.05/s burst 1, three closures in progress at once, each PENDING_CLOSURE for BENCH_CLOSURE_SECONDS).
 */
import { CreateOrganizationalUnitCommand, CreatePolicyCommand } from '@aws-sdk/client-organizations';
import { decideClosure, describeClosure, startClosure } from '../../client/closure';
import { randomDecisionSigner } from '../../client/decision-signer';
import { CLOSURE_QUOTAS } from '../../contract/aws-quotas';
import { closureStatusQuery, type ClosureStatus } from '../../contract/closure';
import { closureSlotsQuery, closureSlotsWorkflowId } from '../../contract/closure-slots';
import { envInt, round, sandboxState, sleep, startBenchEnv, type BenchStack } from '../lib';

const DAY = 86_400_000;
const AWS = { closesPerSecond: CLOSURE_QUOTAS.closesPerSecond, closeBurst: CLOSURE_QUOTAS.burst, maxInProgress: CLOSURE_QUOTAS.maxInProgress };

export interface ClosureBenchResult {
  orgAccounts: number;
  requested: number;
  timeScale: number;
  closureSeconds: number;
  /** The coordinator's quota for this organization, and what AWS (the sandbox) accepted in the window. */
  quota: number;
  quotaUsed: number;
  /** quota - quotaUsed: 0 when the quota was used to its last slot. */
  quotaUnused: number;
  suspended: number;
  waitingForQuota: number;
  /** Closures neither SUSPENDED nor waiting for the quota (failed, needs attention, stuck): must be 0. */
  unaccounted: number;
  failed: number;
  /** AWS seconds from the first closure asking for a slot to the last one SUSPENDED, beside AWS's floor. */
  closingSeconds: number;
  floorSeconds: number;
  efficiency: number;
  peakInProgress: number;
  awsRefusals: { quota: number; requestsLimit: number };
  closeAccountThrottled: number;
  /** When the waiting closures' turns are expected, in days of AWS time from the end of the run. */
  expectedTurnDays: { first: number; last: number };
  realSeconds: number;
}

export async function runClosure(stack: BenchStack, log: (line: string) => void): Promise<ClosureBenchResult> {
  const orgAccounts = envInt('BENCH_CLOSURE_ORG_ACCOUNTS', 200);
  const requested = envInt('BENCH_CLOSURES', 40);
  const timeScale = envInt('BENCH_CLOSURE_TIME_SCALE', 5);
  const closureMs = envInt('BENCH_CLOSURE_SECONDS', 60) * 1000;
  const started = Date.now();
  const env = await startBenchEnv(stack, {
    sandbox: { timeScale, closeAccountDurationMs: closureMs, throttling: true, maxClosuresInProgress: AWS.maxInProgress },
    worker: true,
    sdkMaxAttempts: 3,
  });
  const signer = randomDecisionSigner('bench');
  try {
    const seeded = await fetch(`${env.sandbox.endpoint}/sandbox/member-accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: orgAccounts, organizationalUnit: 'Workloads', namePrefix: 'bench' }),
    });
    const accounts = ((await seeded.json()) as { accountIds: string[] }).accountIds.slice(0, requested);
    const org = env.aws.organizations;
    const quarantine = await org.send(new CreateOrganizationalUnitCommand({ ParentId: env.sandbox.organization.rootId, Name: 'Suspended' }));
    const policy = await org.send(
      new CreatePolicyCommand({
        Name: 'quarantine-deny-all',
        Description: 'Denies everything while an account waits to be closed',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }),
      }),
    );
    log(`[closure] ${requested} closures in an organization of ${orgAccounts} member accounts, time scale ${timeScale}`);

    const handles = await Promise.all(
      accounts.map(async (accountId) => {
        const outcome = await startClosure(stack.client, {
          accountId,
          reason: 'bench: decommissioned estate',
          requester: 'bench-operator',
          requesterRoles: ['operator'],
          adopted: true,
          quarantine: { organizationalUnitId: quarantine.OrganizationalUnit!.Id!, denyAllPolicyId: policy.Policy!.PolicySummary!.Id! },
          protectedOrganizationalUnitIds: [],
          // Real time on the dev server: a second of grace; the reopen window outlasts the run.
          // DescribeAccount every 2 s of AWS time while PENDING_CLOSURE.
          policy: { gracePeriodMs: 1_000, closurePollIntervalMs: Math.max(10, Math.round(2_000 / timeScale)), reopenWindowMs: 90 * DAY },
          decisionKeys: signer.publicKeys(),
          taskQueue: env.taskQueue,
        });
        if (!outcome.started) throw new Error(`closure of ${accountId} not started`);
        return stack.client.workflow.getHandle(outcome.id);
      }),
    );
    const status = (h: (typeof handles)[number]) => h.query(closureStatusQuery);
    await Promise.all(
      handles.map(async (h) => {
        while ((await status(h)).stage !== 'awaiting-decision') await sleep(100);
        const facts = (await describeClosure(stack.client, h.workflowId))!;
        await decideClosure(stack.client, signer, facts, { user: 'bench-approver', roles: ['approver'] }, { decision: 'approve', reason: 'bench' });
      }),
    );

    // Settled: every closure SUSPENDED, or waiting in the coordinator's line for the quota.
    const coordinator = stack.client.workflow.getHandle(closureSlotsWorkflowId(env.taskQueue));
    let statuses: ClosureStatus[] = [];
    let view;
    const deadline = Date.now() + 20 * 60_000;
    for (;;) {
      statuses = await Promise.all(handles.map(status));
      view = await coordinator.query(closureSlotsQuery).catch(() => undefined);
      const waitingIds = new Set((view?.waiting ?? []).filter((w) => w.waitingFor === 'quota').map((w) => w.requestId));
      const settled = statuses.every((s, i) => s.stage === 'suspended' || (s.stage === 'closing' && waitingIds.has(handles[i].workflowId)));
      const ended = statuses.some((s) => ['failed', 'needs-attention', 'cancelled', 'rejected'].includes(s.stage));
      if (settled || ended || Date.now() > deadline) break;
      await sleep(500);
    }
    const suspended = statuses.filter((s) => s.stage === 'suspended');
    const waitingIds = new Set((view?.waiting ?? []).filter((w) => w.waitingFor === 'quota').map((w) => w.requestId));
    const waiting = handles.filter((h, i) => statuses[i].stage === 'closing' && waitingIds.has(h.workflowId));
    const state = await sandboxState(env.sandbox);
    const quota = view?.quota ?? NaN;
    const quotaUsed: number = state.accountClosures.acceptedInWindow;

    const asks = suspended.map((s) => Date.parse(s.closure!.slotAskedAt!)).sort((a, b) => a - b);
    const firstAsk = asks[0];
    const lastSuspended = Math.max(...suspended.map((s) => Date.parse(s.closure!.suspendedAt!)));
    const closingSeconds = ((lastSuspended - firstAsk) * timeScale) / 1000;
    // AWS's floor for these closures, each no earlier than it asked (approvals and grace periods end one by one).
    const floorMs = closureFloorMs(asks.map((at) => ((at - firstAsk) * timeScale)), closureMs);
    const floor = { floorMs };
    const turns = (view?.waiting ?? []).filter((w) => w.expectedAt).map((w) => Date.parse(w.expectedAt!));
    const now = Date.now();
    return {
      orgAccounts,
      requested,
      timeScale,
      closureSeconds: closureMs / 1000,
      quota,
      quotaUsed,
      quotaUnused: quota - quotaUsed,
      suspended: suspended.length,
      waitingForQuota: waiting.length,
      unaccounted: requested - suspended.length - waiting.length,
      failed: statuses.filter((s) => s.stage === 'failed').length,
      closingSeconds: round(closingSeconds),
      floorSeconds: round(floor.floorMs / 1000),
      efficiency: round(floor.floorMs / 1000 / closingSeconds, 3),
      peakInProgress: state.accountClosures.peakInProgress,
      awsRefusals: { quota: state.accountClosures.refused.quota, requestsLimit: state.accountClosures.refused.requestsLimit },
      closeAccountThrottled: state.counters['organizations:CloseAccount']?.throttled ?? 0,
      expectedTurnDays: {
        first: round(((Math.min(...turns) - now) * timeScale) / DAY, 2),
        last: round(((Math.max(...turns) - now) * timeScale) / DAY, 2),
      },
      realSeconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await env.stop();
  }
}

/**
 * The earliest the last of these closures can be SUSPENDED under AWS's limits alone (AWS ms from the first ask): each
 * starts when it has asked, CloseAccount has a token (0.05/s, burst 1) and fewer than three are in progress; greedy in
 * ask order, which is optimal for identical closures.
 */
export function closureFloorMs(askOffsetsMs: number[], closureMs: number): number {
  const msPerToken = 1000 / AWS.closesPerSecond;
  const starts: number[] = [];
  let tokens = AWS.closeBurst;
  let last = 0;
  for (const [k, ask] of askOffsetsMs.entries()) {
    let t = Math.max(last, ask, k >= AWS.maxInProgress ? starts[k - AWS.maxInProgress] + closureMs : 0);
    tokens = Math.min(AWS.closeBurst, tokens + (t - last) / msPerToken);
    if (tokens < 1) {
      t += (1 - tokens) * msPerToken;
      tokens = 1;
    }
    tokens -= 1;
    starts.push(t);
    last = t;
  }
  return starts.length > 0 ? starts[starts.length - 1] + closureMs : 0;
}
