/**
 * The account-closure paths recorded for every release that has the closure workflow: each starts a closure as the
 * release's API does (client/closure.ts startClosure: input version 1, the policy resolved, signing keys) for an
 * account that joined the organization by other means (an operator adopting it), decides and cancels with signed
 * updates, and names the runs to export. The closure coordinator that served them is exported last, still running.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CreateOrganizationalUnitCommand, CreatePolicyCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { cancelClosure, decideClosure, describeClosure, startClosure } from '../../client/closure';
import { randomDecisionSigner } from '../../client/decision-signer';
import { closureStatusQuery, type ClosureStatus } from '../../contract/closure';
import { type ClosurePolicyOverrides } from '../../contract/closure-policy';
import { closureSlotsWorkflowId } from '../../contract/closure-slots';
import { type ClosureStage } from '../../contract/stages';
import { type Checkout } from './checkout';
import { expectThat, sandboxControl, waitUntil, type RecordedRun, type RecordingContext, type RecordingPath } from './recording-context';

/** The recorder's own signing ring: closures started here trust it, so its signed decisions are accepted. */
const signer = randomDecisionSigner('recorder');
const OPERATOR = { user: 'carol', roles: ['requester', 'approver', 'operator'] as ('requester' | 'approver' | 'operator')[] };
const APPROVER = { user: 'bob', roles: ['approver'] as ('requester' | 'approver' | 'operator')[] };

/** Seconds, not days, at the recorder's time scale; inside the policy's bounds. */
const FAST_CLOSURE_POLICY: ClosurePolicyOverrides = {
  decisionDeadlineMs: 60_000,
  decisionReminderIntervalMs: 30_000,
  gracePeriodMs: 1_000,
  slotWaitMs: 5_000,
  slotDeadlineMs: 120_000,
  closurePollIntervalMs: 200,
  suspendedDeadlineMs: 60_000,
  reopenWindowMs: 2_000,
  reopenReminderBeforeMs: 1_000,
};

const noClosure = (c: Checkout) => (existsSync(path.join(c.dir, 'workflows', 'close-account.ts')) ? undefined : 'no closure workflow before the closure feature');

interface ClosureOrganization {
  quarantineOuId: string;
  denyAllPolicyId: string;
}
const organizations = new WeakMap<RecordingContext, Promise<ClosureOrganization>>();

/** The quarantine OU and the deny-all SCP, made once per recording in the recorder's sandbox. */
function closureOrganization(ctx: RecordingContext): Promise<ClosureOrganization> {
  if (!organizations.has(ctx)) {
    organizations.set(
      ctx,
      (async () => {
        const org = new OrganizationsClient({ endpoint: ctx.sandbox.endpoint, region: ctx.sandbox.region, credentials: ctx.sandbox.credentials });
        try {
          const ou = await org.send(new CreateOrganizationalUnitCommand({ ParentId: ctx.sandbox.organization.rootId, Name: 'Suspended' }));
          const policy = await org.send(
            new CreatePolicyCommand({
              Name: 'quarantine-deny-all',
              Description: 'Denies everything while an account waits to be closed',
              Type: 'SERVICE_CONTROL_POLICY',
              Content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }),
            }),
          );
          return { quarantineOuId: ou.OrganizationalUnit!.Id!, denyAllPolicyId: policy.Policy!.PolicySummary!.Id! };
        } finally {
          org.destroy();
        }
      })(),
    );
  }
  return organizations.get(ctx)!;
}

async function memberAccount(ctx: RecordingContext, namePrefix: string): Promise<string> {
  const body = (await sandboxControl(ctx, 'POST', '/member-accounts', { count: 1, organizationalUnit: 'Workloads', namePrefix })) as { accountIds: string[] };
  return body.accountIds[0];
}

async function startFor(ctx: RecordingContext, namePrefix: string, policy: ClosurePolicyOverrides = {}): Promise<{ handle: WorkflowHandle; accountId: string }> {
  const org = await closureOrganization(ctx);
  const accountId = await memberAccount(ctx, namePrefix);
  const outcome = await startClosure(ctx.client, {
    accountId,
    reason: 'recorded path',
    requester: OPERATOR.user,
    requesterRoles: OPERATOR.roles,
    adopted: true,
    quarantine: { organizationalUnitId: org.quarantineOuId, denyAllPolicyId: org.denyAllPolicyId },
    protectedOrganizationalUnitIds: [],
    policy: { ...FAST_CLOSURE_POLICY, ...policy },
    decisionKeys: signer.publicKeys(),
    taskQueue: ctx.taskQueue,
  });
  expectThat(outcome.started, `a new closure of ${accountId}`);
  return { handle: ctx.client.workflow.getHandle(outcome.id), accountId };
}

async function reach(handle: WorkflowHandle, stage: ClosureStage, also: (s: ClosureStatus) => boolean = () => true): Promise<ClosureStatus> {
  return waitUntil(`${handle.workflowId} at ${stage}`, async () => {
    const status = await handle.query(closureStatusQuery);
    return status.stage === stage && also(status) ? status : undefined;
  });
}

async function decide(ctx: RecordingContext, handle: WorkflowHandle, decision: 'approve' | 'reject'): Promise<void> {
  const facts = (await describeClosure(ctx.client, handle.workflowId))!;
  await decideClosure(ctx.client, signer, facts, APPROVER, { decision, reason: `${decision} (recorded)` });
}

async function settle(handle: WorkflowHandle): Promise<ClosureStatus> {
  try {
    await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
  }
  return handle.query(closureStatusQuery);
}

async function run(handle: WorkflowHandle, file: string, status: ClosureStatus): Promise<RecordedRun> {
  const { runId } = await handle.describe();
  const note = status.failure?.message ?? status.timeline.at(-1)?.note;
  return { file, workflowId: handle.workflowId, runId, outcome: `${status.stage}${note ? `: ${note}` : ''}` };
}

export const CLOSURE_PATHS: RecordingPath[] = [
  {
    name: 'closure-closed',
    unavailable: noClosure,
    async record(ctx) {
      const { handle } = await startFor(ctx, 'closure-closed');
      await reach(handle, 'awaiting-decision');
      await decide(ctx, handle, 'approve');
      const status = await settle(handle);
      expectThat(status.stage === 'closed' && status.closure?.reopenReminderSentAt !== undefined, 'closed after the reopen window and its reminder');
      return [await run(handle, 'closure-closed.json', status)];
    },
  },
  {
    name: 'closure-cancelled-in-grace',
    unavailable: noClosure,
    async record(ctx) {
      const { handle, accountId } = await startFor(ctx, 'closure-cancel', { gracePeriodMs: 10 * 60_000 });
      await reach(handle, 'awaiting-decision');
      await decide(ctx, handle, 'approve');
      await reach(handle, 'quarantine', (s) => Boolean(s.quarantine?.quarantinedAt));
      const facts = (await describeClosure(ctx.client, handle.workflowId))!;
      await cancelClosure(ctx.client, signer, facts, OPERATOR, `keep ${accountId} (recorded)`);
      const status = await settle(handle);
      expectThat(status.stage === 'cancelled' && status.quarantine?.restoredAt !== undefined, 'cancelled in the grace period, restored');
      return [await run(handle, 'closure-cancelled-in-grace.json', status)];
    },
  },
  {
    name: 'closure-rejected',
    unavailable: noClosure,
    async record(ctx) {
      const { handle } = await startFor(ctx, 'closure-reject');
      await reach(handle, 'awaiting-decision');
      await decide(ctx, handle, 'reject');
      const status = await settle(handle);
      expectThat(status.stage === 'rejected', 'rejected');
      return [await run(handle, 'closure-rejected.json', status)];
    },
  },
  {
    name: 'closure-decision-deadline',
    unavailable: noClosure,
    async record(ctx) {
      // Two reminders, then the deadline.
      const { handle } = await startFor(ctx, 'closure-deadline', { decisionDeadlineMs: 2_500, decisionReminderIntervalMs: 1_000 });
      const status = await settle(handle);
      expectThat(status.stage === 'needs-attention', 'needs-attention at the decision deadline');
      return [await run(handle, 'closure-decision-deadline.json', status)];
    },
  },
  {
    name: 'closure-temporal-cancel',
    unavailable: noClosure,
    async record(ctx) {
      const { handle } = await startFor(ctx, 'closure-tcancel', { gracePeriodMs: 10 * 60_000 });
      await reach(handle, 'awaiting-decision');
      await decide(ctx, handle, 'approve');
      await reach(handle, 'quarantine', (s) => Boolean(s.quarantine?.quarantinedAt));
      // `temporal workflow cancel` instead of the API: the same restore.
      await handle.cancel();
      const status = await settle(handle);
      expectThat(status.stage === 'cancelled' && status.quarantine?.restoredAt !== undefined, 'cancelled through Temporal, restored');
      return [await run(handle, 'closure-temporal-cancel.json', status)];
    },
  },
  {
    // Last of the closure paths: the coordinator that served the closure above, exported as it stands (its window runs).
    name: 'closure-slots-served',
    unavailable: noClosure,
    async record(ctx) {
      const handle = ctx.client.workflow.getHandle(closureSlotsWorkflowId(ctx.taskQueue));
      const description = await handle.describe().catch(() => undefined);
      if (!description) throw new Error('no closure coordinator ran: record closure-slots-served together with closure-closed');
      return [{ file: 'closure-slots-served.json', workflowId: handle.workflowId, runId: description.runId, outcome: `${description.status.name} (exported while its window runs)` }];
    },
  },
];
