/**
 * The day-1 baseline of a vending request: after billing access is verified, the blueprint's steps run in order
 * (contract/blueprint.ts BASELINE_STEPS), each one activity that reconciles before it acts. A step that fails after
 * its retries stops the request at `needs-attention` with the step named and the account kept; an operator retries
 * or skips it (signed, workflows/baseline-run.ts). Nothing is rolled back. Without an operator before the deadline the
 * request ends at needs-attention.
 */
import { ApplicationFailure, condition, isCancellation, patched, setHandler, TemporalFailure, workflowInfo } from '@temporalio/workflow';
import { blueprintStepNames, type BaselineStep } from '../contract/blueprint';
import { decideBaselineStepUpdate, type BaselineInput, type BaselineStepDecisionRecord, type BaselineStepStatus } from '../contract/baseline';
import { type VendingActivityProxies } from './activity-proxies';
import { baselineActivities, type BaselineActivityProxies } from './baseline-activities';
import { enableRegions } from './baseline-regions';
import { BaselineRun } from './baseline-run';
import { PATCHES } from './patches';
import { type VendingRun } from './vending-run';

/** `unresolved`: a step failed and no operator decided before the deadline; the request ends at needs-attention. */
export type BaselineOutcome = 'none' | 'done' | 'unresolved';

export async function applyBaseline(run: VendingRun, vending: VendingActivityProxies, accountId: string): Promise<BaselineOutcome> {
  const baseline = run.input.baseline as BaselineInput | undefined;
  if (!baseline || !patched(PATCHES.dayOneBaseline)) return 'none';
  const { blueprint, policy } = baseline;
  const status = {
    blueprint: { name: blueprint.name, version: blueprint.version },
    steps: blueprintStepNames(blueprint.steps).map((step): BaselineStepStatus => ({ step, state: 'pending', runs: 0 })),
  };
  run.status.baseline = status;
  const state = new BaselineRun(run, status);
  setHandler(decideBaselineStepUpdate, (d) => state.record(d), { validator: (d) => state.validate(d) });
  const acts = baselineActivities(policy, run.input.policy.activityAttemptTimeoutMs);

  run.enter('baselining', `blueprint ${blueprint.name} v${blueprint.version}: ${status.steps.map((s) => s.step).join(', ')}`);
  state.render();
  for (const entry of status.steps) {
    for (;;) {
      entry.state = 'running';
      entry.runs++;
      state.render();
      try {
        entry.outcome = await runStep(entry.step, acts, baseline, run, accountId);
        entry.state = 'done';
        entry.failure = undefined;
        run.note(`${entry.step}: ${entry.outcome}`);
        state.render();
        break;
      } catch (err) {
        if (isCancellation(err) || !(err instanceof TemporalFailure)) throw err; // a bug fails the workflow task, not the request
        entry.state = 'failed';
        entry.failure = { message: describe(err), ...(typeOf(err) ? { type: typeOf(err) } : {}) };
      }
      const decision = await awaitOperator(state, entry, vending, policy.attentionDeadlineMs);
      if (!decision) return 'unresolved';
      entry.decidedBy = decision.decidedBy;
      run.enter('baselining', `${decision.decidedBy} chose to ${decision.decision} ${entry.step}: ${decision.reason}`);
      if (decision.decision === 'skip') {
        entry.state = 'skipped';
        entry.outcome = `skipped by ${decision.decidedBy}: ${decision.reason}`;
        state.render();
        break;
      }
    }
  }
  return 'done';
}

async function runStep(step: BaselineStep, acts: BaselineActivityProxies, baseline: BaselineInput, run: VendingRun, accountId: string): Promise<string> {
  const { steps } = baseline.blueprint;
  switch (step) {
    case 'identity-center': {
      const ic = steps.identityCenter!;
      const requester = ic.requesterPermissionSet ? { userName: run.input.requester, permissionSet: ic.requesterPermissionSet } : undefined;
      return (await acts.identityCenter.assignAccountAccess({ accountId, assignments: ic.assignments, requester, pollIntervalMs: baseline.policy.pollIntervalMs })).outcome;
    }
    case 'regions':
      return enableRegions(acts, baseline.policy, accountId, steps.regions!.enable);
    case 'contacts':
      return (await acts.contacts.applyBaselineContacts({ accountId, primary: steps.contacts?.primary, alternate: steps.contacts?.alternate })).outcome;
    case 'budget':
      return (await acts.budget.ensureBudget({ accountId, ...steps.budget! })).outcome;
    case 'default-vpcs':
      return (await acts.defaultVpcs.deleteDefaultVpcs({ accountId })).outcome;
    case 'guardrails':
      return (await acts.guardrails.attachGuardrails({ accountId, ...steps.guardrails! })).outcome;
  }
}

/** Stops at needs-attention until an operator retries or skips the step; undefined when the deadline passes first. */
async function awaitOperator(
  state: BaselineRun,
  entry: BaselineStepStatus,
  vending: VendingActivityProxies,
  deadlineMs: number,
): Promise<BaselineStepDecisionRecord | undefined> {
  const { run } = state;
  const message = `baseline step ${entry.step} failed: ${entry.failure?.message}; the account is kept. An operator may retry or skip the step`;
  state.status.pending = {
    step: entry.step,
    occurrence: entry.runs,
    since: new Date().toISOString(),
    deadline: new Date(Date.now() + deadlineMs).toISOString(),
  };
  state.decision = undefined as BaselineStepDecisionRecord | undefined;
  run.enter('needs-attention', message);
  state.render();
  try {
    await vending.notifier.notify({ kind: 'needs-attention', audience: 'operators', message, requestId: workflowInfo().workflowId, accountName: run.input.request.accountName, accountId: run.status.accountId });
  } catch (err) {
    if (isCancellation(err)) throw err;
  }
  const decided = await condition(() => state.decision !== undefined, deadlineMs);
  state.status.pending = undefined;
  return decided ? (state.decision as BaselineStepDecisionRecord | undefined) : undefined;
}

function describe(err: Error): string {
  let current: Error | undefined = err;
  while (current && 'cause' in current && current.cause instanceof Error) current = current.cause;
  return (current ?? err).message;
}

function typeOf(err: unknown): string | undefined {
  for (let current: unknown = err; current; current = (current as { cause?: unknown }).cause) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
  }
  return undefined;
}
