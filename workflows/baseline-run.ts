/**
 * The state of a request's baseline and the operator's decision on a failed step: the step list with outcomes (in the
 * request's status, its timeline and the Web UI's current details) and the `decideBaselineStep` update's validator.
 * Four eyes as for every human decision: signed by the request API for this run, once per failure, by an operator
 * who is not the requester.
 */
import { workflowInfo } from '@temporalio/workflow';
import {
  BASELINE_LOOP_CAPS,
  baselineStepAct,
  BaselineStepDecisionSchema,
  type BaselineStatus,
  type BaselineStepDecisionInput,
  type BaselineStepDecisionRecord,
  type BaselineStepStatus,
  type PendingBaselineDecision,
} from '../contract/baseline';
import { verifyAct } from '../contract/decision-signature';
import { escapeMarkdown, refuse, type VendingRun } from './vending-run';

export class BaselineRun {
  /** The decision the waiting step got, once its handler has run. */
  decision?: BaselineStepDecisionRecord;

  constructor(
    readonly run: VendingRun,
    readonly status: BaselineStatus,
  ) {
    run.detailsAppendix = () => this.table();
  }

  get pending(): PendingBaselineDecision | undefined {
    return this.status.pending;
  }

  entry(step: string): BaselineStepStatus | undefined {
    return this.status.steps.find((s) => s.step === step);
  }

  /** The Web UI's "current details": the stage line, then the steps with their outcomes. */
  render(): void {
    this.run.refreshDetails();
  }

  private table(): string {
    const rows = this.status.steps.map((s) => {
      const what = s.state === 'failed' ? s.failure?.message : s.outcome;
      return `| ${s.step} | ${s.state}${s.runs > 1 ? ` (run ${s.runs})` : ''} | ${escapeMarkdown(what ?? '').slice(0, 300)} |`;
    });
    return (
      [
        `blueprint ${escapeMarkdown(this.status.blueprint.name)} v${this.status.blueprint.version}`,
        ...(this.pending ? [`waiting for an operator to retry or skip **${this.pending.step}** until ${this.pending.deadline}`] : []),
        '',
        '| step | state | outcome |',
        '| --- | --- | --- |',
        ...rows,
      ].join('\n')
    );
  }

  /** The update's validator: refuses before anything reaches history. */
  validate(raw: unknown): void {
    const parsed = BaselineStepDecisionSchema.safeParse(raw);
    if (!parsed.success) {
      throw refuse('InvalidInput', parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`).join('; '));
    }
    const d: BaselineStepDecisionInput = parsed.data;
    const { workflowId, runId } = workflowInfo();
    if (!verifyAct(baselineStepAct(workflowId, runId, d), d, this.run.input.decisionKeys)) {
      throw refuse('SignatureInvalid', 'the decision is not signed by the request API for this request: decide through the API');
    }
    const pending = this.pending;
    if (!pending) throw refuse('WrongStage', `no baseline step is waiting for a decision: the request is at stage ${this.run.stage}`);
    if (d.step !== pending.step) throw refuse('WrongStage', `step ${d.step} is not waiting for a decision; ${pending.step} is`);
    if (d.occurrence !== pending.occurrence || this.decision) {
      throw refuse('AlreadyDecided', `failure ${d.occurrence} of ${d.step} is already decided or is not the one waiting (${pending.occurrence})`);
    }
    if (!d.roles.includes('operator')) throw refuse('DecisionNotAllowed', `${d.decidedBy} does not hold the operator role`);
    if (d.decidedBy === this.run.input.requester) {
      throw refuse('DecisionNotAllowed', `${d.decidedBy} requested this account and cannot decide on its baseline; another operator must`);
    }
    const runs = this.entry(d.step)?.runs ?? 0;
    if (d.decision === 'retry' && runs > BASELINE_LOOP_CAPS.operatorRetriesPerStep) {
      throw refuse('DecisionNotAllowed', `${d.step} has run ${runs} times; it may be skipped, not retried again`);
    }
  }

  /** The update's handler: the validator has accepted it. */
  record(d: BaselineStepDecisionInput): BaselineStepDecisionRecord {
    this.decision = {
      decision: d.decision,
      step: d.step,
      occurrence: d.occurrence,
      reason: d.reason,
      decidedBy: d.decidedBy,
      decidedAt: new Date().toISOString(),
    };
    return this.decision;
  }
}
