/**
 * The day-1 baseline's recorded paths, for releases that have it (workflows/baseline.ts): every step to completion,
 * a failed step retried by an operator, a step skipped, and the region coordinator that served them. Requests are
 * started as the API starts them since input version 2 (complete policy, decision keys, the resolved blueprint), and
 * operator decisions are signed with a ring made for the recording.
 */
import { WorkflowIdReusePolicy, type WorkflowHandle } from '@temporalio/client';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { baselineStepAct, decideBaselineStepUpdate, resolveBaselinePolicy, type BaselineInput } from '../../contract/baseline';
import { BlueprintSchema, type Blueprint } from '../../contract/blueprint';
import { resolvePolicy } from '../../contract/policy-defaults';
import { regionSlotsWorkflowId } from '../../contract/region-slots';
import { requestIdForEmail } from '../../contract/request-id';
import { RequesterKey, VendingStageKey } from '../../contract/search-attributes';
import { statusQuery, VENDING_INPUT_VERSION, VENDING_WORKFLOW_TYPE, type VendingInput, type VendingStatus } from '../../contract/vending';
import { resolveBlueprint, loadBlueprintCatalog } from '../../client/blueprint-catalog';
import { randomDecisionSigner } from '../../client/decision-signer';
import { type Checkout } from './checkout';
import { describeOutcome, expectThat, FAST_POLICY, finalStatus, sandboxControl, waitUntil, type RecordedRun, type RecordingContext } from './recording-context';

const signer = randomDecisionSigner('recording');
const FAST_BASELINE = { pollIntervalMs: 200, stepDeadlineMs: 60_000, regionsDeadlineMs: 60_000, regionSlotWaitMs: 10_000, attentionDeadlineMs: 60_000 };

const noBaseline = (c: Checkout) => (existsSync(path.join(c.dir, 'workflows', 'baseline.ts')) ? undefined : 'no day-1 baseline in this release');

async function startBaselineRequest(ctx: RecordingContext, email: string, blueprint: Blueprint, timing: Partial<typeof FAST_BASELINE> = {}): Promise<WorkflowHandle> {
  const request = { accountName: email.split('@')[0], email, organizationalUnit: 'Workloads', blueprint: blueprint.name };
  const baseline: BaselineInput = { blueprint: resolveBlueprint(blueprint), policy: resolveBaselinePolicy({ ...FAST_BASELINE, ...timing }) };
  const input: VendingInput = {
    inputVersion: VENDING_INPUT_VERSION,
    request,
    requester: 'alice',
    requesterRoles: ['requester'],
    requestedAt: new Date().toISOString(),
    // Fast creation polls; the root window's own timing stays at its defaults (the bounds refuse a faster one).
    policy: resolvePolicy({ creationPollIntervalMs: FAST_POLICY.creationPollIntervalMs, readinessPollIntervalMs: FAST_POLICY.readinessPollIntervalMs }),
    decisionKeys: signer.publicKeys(),
    baseline,
  };
  return ctx.client.workflow.start(VENDING_WORKFLOW_TYPE, {
    workflowId: requestIdForEmail(email),
    taskQueue: ctx.taskQueue,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    typedSearchAttributes: [
      { key: RequesterKey, value: 'alice' },
      { key: VendingStageKey, value: 'preflight' },
    ],
    memo: { decisionKeyIds: Object.keys(signer.publicKeys()) },
  });
}

async function decide(handle: WorkflowHandle, decision: 'retry' | 'skip', reason: string): Promise<void> {
  const pending = await waitUntil(`${handle.workflowId} to wait for a baseline decision`, async () => {
    const status = await handle.query(statusQuery);
    return status.stage === 'needs-attention' ? status.baseline?.pending : undefined;
  });
  const { runId } = await handle.describe();
  const unsigned = { decision, step: pending.step, occurrence: pending.occurrence, reason, decidedBy: 'carol', roles: ['operator'] };
  const signature = signer.sign(baselineStepAct(handle.workflowId, runId, unsigned), undefined);
  await handle.executeUpdate(decideBaselineStepUpdate, { args: [{ ...unsigned, ...signature }] });
}

async function settled(handle: WorkflowHandle): Promise<VendingStatus> {
  await handle.result();
  return finalStatus(handle);
}

async function recorded(handle: WorkflowHandle, file: string, status: VendingStatus): Promise<RecordedRun> {
  const { runId } = await handle.describe();
  return { file, workflowId: handle.workflowId, runId, outcome: describeOutcome(status) };
}

const small = (name: string, steps: unknown) => BlueprintSchema.parse({ name, version: 1, steps });

export const BASELINE_PATHS = [
  {
    name: 'baseline-completed',
    unavailable: noBaseline,
    async record(ctx: RecordingContext): Promise<RecordedRun[]> {
      await sandboxControl(ctx, 'POST', '/linked-account-access', { enabled: true });
      const handle = await startBaselineRequest(ctx, 'baseline-completed@example.com', loadBlueprintCatalog().get('standard-workload') as Blueprint);
      const status = await settled(handle);
      expectThat(status.stage === 'completed' && (status.baseline?.steps.every((s) => s.state === 'done') ?? false), 'completed with every step done', status);
      return [await recorded(handle, 'baseline-completed.json', status)];
    },
  },
  {
    name: 'baseline-retry',
    unavailable: noBaseline,
    async record(ctx: RecordingContext): Promise<RecordedRun[]> {
      await sandboxControl(ctx, 'POST', '/faults', { errorRate: 1, operations: ['sso:CreateAccountAssignment'] });
      const bp = small('retried', { identityCenter: { assignments: [{ group: 'Developers', permissionSet: 'PowerUserAccess' }] }, regions: { enable: ['eu-south-1'] } });
      const handle = await startBaselineRequest(ctx, 'baseline-retry@example.com', bp, { stepDeadlineMs: 3_000 });
      try {
        await waitUntil('the step to fail', async () => ((await handle.query(statusQuery)).baseline?.pending ? true : undefined));
      } finally {
        await sandboxControl(ctx, 'POST', '/faults', { errorRate: 0 });
      }
      await decide(handle, 'retry', 'fault cleared');
      const status = await settled(handle);
      expectThat(status.stage === 'completed' && status.baseline?.steps[0].runs === 2, 'completed after a retry', status);
      return [await recorded(handle, 'baseline-retry.json', status)];
    },
  },
  {
    name: 'baseline-skip',
    unavailable: noBaseline,
    async record(ctx: RecordingContext): Promise<RecordedRun[]> {
      const bp = small('skipped', { guardrails: { serviceControlPolicies: ['NoSuchPolicy'] }, budget: { name: 'b', monthlyLimitUsd: 5, thresholdsPercent: [100], subscribers: ['f@example.com'] } });
      const handle = await startBaselineRequest(ctx, 'baseline-skip@example.com', bp);
      await decide(handle, 'skip', 'not rolled out yet');
      const status = await settled(handle);
      expectThat(status.stage === 'completed' && status.baseline?.steps.some((s) => s.state === 'skipped') === true, 'completed with a step skipped', status);
      return [await recorded(handle, 'baseline-skip.json', status)];
    },
  },
  {
    name: 'region-slots-served',
    unavailable: noBaseline,
    async record(ctx: RecordingContext): Promise<RecordedRun[]> {
      const handle = ctx.client.workflow.getHandle(regionSlotsWorkflowId(ctx.taskQueue));
      const description = await handle.describe().catch(() => undefined);
      if (!description) throw new Error('no region coordinator ran: record region-slots-served together with a baseline path');
      return [{ file: 'region-slots-served.json', workflowId: handle.workflowId, runId: description.runId, outcome: `${description.status.name} (exported while idling)` }];
    },
  },
];
