/**
 * A baseline step that fails after its retries stops the request at needs-attention with the step named and the
 * account kept; an operator retries or skips it with a signed decision, once per failure, never the requester.
 */
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { describeRequest } from '../../client/temporal';
import { baselineStepAct, decideBaselineStepUpdate } from '../../contract/baseline';
import { regionSlotsQuery, regionSlotsWorkflowId } from '../../contract/region-slots';
import { statusQuery, type VendingResult, type VendingStatus } from '../../contract/vending';
import { baselineOf, blueprint, decideBaselineAs } from '../support/baseline';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { ALICE, BOB, CAROL, requestAccount, sandboxControl } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ sandbox: { timeScale: 20 } });
});
afterAll(async () => env?.stop());

const refusalType = async (promise: Promise<unknown>): Promise<string | undefined> => {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return err.cause.type ?? undefined;
    throw err;
  }
  return undefined;
};

async function atNeedsAttention(handle: { query: (q: typeof statusQuery) => Promise<VendingStatus> }): Promise<VendingStatus> {
  return waitFor('needs-attention with a pending step', async () => {
    const status = await handle.query(statusQuery);
    return status.stage === 'needs-attention' && status.baseline?.pending ? status : undefined;
  }, 60_000);
}

test('a step failing after its retries waits at needs-attention; only another operator may retry it, once; the retry completes', async () => {
  await sandboxControl(env, 'POST', '/faults', { errorRate: 1, operations: ['sso:CreateAccountAssignment'] });
  const bp = blueprint('failing-access', { identityCenter: { assignments: [{ group: 'Developers', permissionSet: 'PowerUserAccess' }] }, budget: { name: 'b', monthlyLimitUsd: 10, thresholdsPercent: [100], subscribers: ['f@example.com'] } });
  const handle = await requestAccount(env, { email: 'attention-1@example.com' }, { baseline: baselineOf(env, bp, { stepDeadlineMs: 2_000 }) });
  const waiting = await atNeedsAttention(handle);
  expect(waiting.baseline?.pending).toMatchObject({ step: 'identity-center', occurrence: 1 });
  expect(waiting.baseline?.steps[0]).toMatchObject({ step: 'identity-center', state: 'failed', runs: 1 });
  expect(waiting.baseline?.steps[1]).toMatchObject({ step: 'budget', state: 'pending' });
  expect(waiting.timeline.at(-1)?.note).toMatch(/baseline step identity-center failed.*account is kept/);
  expect(waiting.accountId).toMatch(/^\d{12}$/);
  expect(env.notifications.some((n) => n.kind === 'needs-attention' && n.audience === 'operators')).toBe(true);

  // The requester cannot decide; an approver without the operator role cannot either.
  expect(await refusalType(decideBaselineAs(env, handle, { user: 'alice', roles: ['requester', 'operator'] }, 'retry'))).toBe('DecisionNotAllowed');
  expect(await refusalType(decideBaselineAs(env, handle, BOB, 'retry'))).toBe('DecisionNotAllowed');
  // A decision not signed by the API (someone with namespace access) is refused.
  const forged = { decision: 'retry', step: 'identity-center', occurrence: 1, reason: 'forged', decidedBy: 'mallory', roles: ['operator'], keyId: 'k1', signature: '0'.repeat(128), signedAt: new Date().toISOString() };
  expect(await refusalType(handle.executeUpdate(decideBaselineStepUpdate, { args: [forged as never] }))).toBe('SignatureInvalid');

  await sandboxControl(env, 'POST', '/faults', { errorRate: 0 });
  // Signed as the API signs it; sent twice: the second is refused, this failure is decided.
  const { runId, decisionKeyIds } = await describeRequest(env.client, handle.workflowId);
  const unsigned = { decision: 'retry' as const, step: 'identity-center', occurrence: 1, reason: 'the fault is fixed', decidedBy: CAROL.user, roles: CAROL.roles };
  const signed = { ...unsigned, ...env.signer.sign(baselineStepAct(handle.workflowId, runId, unsigned), decisionKeyIds)! };
  const record = await handle.executeUpdate(decideBaselineStepUpdate, { args: [signed] });
  expect(record).toMatchObject({ decision: 'retry', step: 'identity-center', occurrence: 1, decidedBy: 'carol' });
  expect(await refusalType(handle.executeUpdate(decideBaselineStepUpdate, { args: [signed] }))).toMatch(/^(AlreadyDecided|WrongStage)$/);
  // Signed for another request's run, it is worthless here too (the act names the run).
  const elsewhere = { ...unsigned, ...env.signer.sign(baselineStepAct(handle.workflowId, 'another-run', unsigned), decisionKeyIds)! };
  expect(await refusalType(handle.executeUpdate(decideBaselineStepUpdate, { args: [elsewhere] }))).toBe('SignatureInvalid');

  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  expect(result.baseline?.steps).toMatchObject([
    { step: 'identity-center', state: 'done', runs: 2, decidedBy: 'carol' },
    { step: 'budget', state: 'done', runs: 1 },
  ]);
  expect(result.timeline.some((t) => t.note === 'carol chose to retry identity-center: the fault is fixed')).toBe(true);
}, 120_000);

test('a step naming what AWS does not have fails at once; skipped by an operator, the request completes with the step skipped; nothing rolled back', async () => {
  const bp = blueprint('unknown-policy', {
    guardrails: { serviceControlPolicies: ['NoSuchPolicy'] },
    budget: { name: 'kept', monthlyLimitUsd: 10, thresholdsPercent: [100], subscribers: ['f@example.com'] },
  });
  const handle = await requestAccount(env, { email: 'attention-2@example.com' }, { baseline: baselineOf(env, bp) });
  const waiting = await atNeedsAttention(handle);
  expect(waiting.baseline?.pending?.step).toBe('guardrails');
  expect(waiting.baseline?.steps.find((s) => s.step === 'guardrails')?.failure).toMatchObject({ type: 'BaselineStepInvalid', message: expect.stringMatching(/no SERVICE_CONTROL_POLICY named "NoSuchPolicy"/) });
  expect(waiting.baseline?.steps.find((s) => s.step === 'budget')?.state).toBe('done');

  expect(waiting.baseline?.pending?.occurrence).toBe(1);
  await decideBaselineAs(env, handle, CAROL, 'skip', 'policy not rolled out yet');
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('completed');
  expect(result.baseline?.steps.find((s) => s.step === 'guardrails')).toMatchObject({ state: 'skipped', outcome: 'skipped by carol: policy not rolled out yet' });
  // The account and the budget the baseline made stay.
  const { Accounts } = await env.aws.organizations.send(new ListAccountsCommand({}));
  expect(Accounts?.some((a) => a.Id === result.accountId)).toBe(true);
}, 120_000);

test('without a decision before the deadline the request ends at needs-attention, the account kept', async () => {
  const bp = blueprint('no-operator', { guardrails: { serviceControlPolicies: ['NoSuchPolicy'] } });
  const handle = await requestAccount(env, { email: 'attention-3@example.com' }, { baseline: baselineOf(env, bp, { attentionDeadlineMs: 2_000 }) });
  const result: VendingResult = await handle.result();
  expect(result.stage).toBe('needs-attention');
  expect(result.accountId).toMatch(/^\d{12}$/);
  expect(result.timeline.at(-1)?.note).toMatch(/baseline step failed and no operator decided/);
  expect(ALICE.user).toBe(result.requester);
}, 120_000);

test('a cancel while regions are ENABLING ends the request cancelled, the account kept, and gives every region slot back', async () => {
  const bp = blueprint('cancelled-regions', { regions: { enable: ['eu-south-1', 'me-south-1'] } });
  env.sandbox.updateSettings({ regionEnableDurationMs: 10 * 60_000 }); // 30 s here: the cancel lands while ENABLING
  try {
    const handle = await requestAccount(env, { email: 'cancel-regions@example.com' }, { baseline: baselineOf(env, bp) });
    const coordinator = env.client.workflow.getHandle(regionSlotsWorkflowId(env.taskQueue));
    await waitFor('the regions to be granted', async () => {
      const state = await coordinator.query(regionSlotsQuery).catch(() => undefined);
      return state && Object.keys(state.holders).length === 2 ? true : undefined;
    }, 60_000);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const status = await handle.query(statusQuery);
    expect(status.stage).toBe('cancelled');
    expect(status.accountId).toMatch(/^\d{12}$/);
    const state = await waitFor('the slots to be released', async () => {
      const s = await coordinator.query(regionSlotsQuery);
      return Object.keys(s.holders).length === 0 ? s : undefined;
    });
    expect(state.waiting).toEqual([]);
  } finally {
    env.sandbox.updateSettings({ regionEnableDurationMs: 60_000 });
  }
}, 120_000);
