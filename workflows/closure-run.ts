/**
 * The state of one account closure and every change to it: the stage (mirrored to the ClosureStage search attribute),
 * the timeline, the facts learned, and the human acts (decision, cancellation) with their validators. The stage
 * machine (close-account.ts) drives it; the update handlers write to it only through the methods below.
 */
import { ApplicationFailure, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  ClosureCancellationSchema,
  closureCancellationAct,
  closureDecisionAct,
  ClosureDecisionSchema,
  ClosureRefusal,
  type ClosureCancellationInput,
  type ClosureCancellationRecord,
  type ClosureDecisionInput,
  type ClosureDecisionRecord,
  type ClosureInput,
  type ClosureStatus,
} from '../contract/closure';
import { verifyAct } from '../contract/decision-signature';
import { AccountIdKey, ClosureStageKey, RequesterKey } from '../contract/search-attributes';
import { isTerminalClosureStage, type ClosureStage } from '../contract/stages';
import { escapeMarkdown, refuse } from './vending-run';

export class ClosureRun {
  readonly status: ClosureStatus;
  /** From the moment CloseAccount may be sent until AWS refused it: a cancel is refused (it could not be undone). */
  closeSent = false;

  constructor(readonly input: ClosureInput) {
    this.status = {
      stage: 'preflight',
      accountId: input.accountId,
      ...(input.accountName ? { accountName: input.accountName } : {}),
      requester: input.requester,
      ...(input.owner ? { owner: input.owner } : {}),
      adopted: input.adopted,
      reason: input.reason,
      timeline: [],
    };
    // The client sets these at start; a closure started any other way gets them here.
    const attrs = workflowInfo().typedSearchAttributes;
    const missing = [
      ...(attrs.get(RequesterKey) === undefined ? [{ key: RequesterKey, value: input.requester }] : []),
      ...(attrs.get(AccountIdKey) === undefined ? [{ key: AccountIdKey, value: input.accountId }] : []),
    ];
    if (missing.length > 0) upsertSearchAttributes(missing);
  }

  get stage(): ClosureStage {
    return this.status.stage;
  }

  get cancelRequested(): boolean {
    return this.status.cancellation !== undefined;
  }

  enter(stage: ClosureStage, note?: string): void {
    this.status.stage = stage;
    this.status.timeline.push({ stage, enteredAt: new Date().toISOString(), ...(note ? { note } : {}) });
    upsertSearchAttributes([{ key: ClosureStageKey, value: stage }]);
    // What an operator sees first in the Web UI: people's text escaped, so it cannot paint links or headings there.
    const why = note ? ` · ${escapeMarkdown(note)}` : '';
    setCurrentDetails(`**closure ${stage}** · account ${this.input.accountId} · requested by ${escapeMarkdown(this.input.requester)}${why}`);
  }

  /** A line in the timeline without a change of stage (a refusal waited out, a reminder, ...). */
  note(note: string): void {
    this.status.timeline.push({ stage: this.stage, enteredAt: new Date().toISOString(), note });
  }

  get accountName(): string {
    return this.status.accountName ?? this.input.accountId;
  }

  fail(message: string, type?: string): void {
    this.status.failure = { message, ...(type ? { type } : {}) };
    this.enter('failed', message);
  }

  // ---- decide ------------------------------------------------------------------------------------------------------

  /** Four eyes, signed: refused before anything reaches history; the first accepted decision is the only one. */
  validateDecision(raw: unknown): void {
    const decision = parseUpdate(ClosureDecisionSchema, raw);
    const { workflowId, runId } = workflowInfo();
    if (Object.keys(this.input.decisionKeys).length === 0 || !verifyAct(closureDecisionAct(workflowId, runId, decision), decision, this.input.decisionKeys)) {
      throw refuse('SignatureInvalid', 'the decision is not signed by the request API for this closure: decide through the API');
    }
    if (this.status.decision) {
      const d = this.status.decision;
      throw refuse('AlreadyDecided', `a decision is already recorded: ${d.decision} by ${d.decidedBy} at ${d.decidedAt}`);
    }
    if (this.stage !== 'awaiting-decision' || this.cancelRequested) throw refuse('WrongStage', `no decision is pending: the closure is at stage ${this.stage}`);
    if (!decision.roles.includes('approver')) throw refuse('DecisionNotAllowed', `${decision.decidedBy} does not hold the approver role`);
    if (decision.decidedBy === this.input.requester) {
      throw refuse('DecisionNotAllowed', `${decision.decidedBy} asked for this closure and cannot decide on it; another approver must`);
    }
  }

  recordDecision(decision: ClosureDecisionInput): ClosureDecisionRecord {
    const record: ClosureDecisionRecord = {
      decision: decision.decision,
      reason: decision.reason,
      decidedBy: decision.decidedBy,
      roles: decision.roles,
      decidedAt: new Date().toISOString(),
    };
    this.status.decision = record;
    this.status.pendingDecision = undefined;
    return record;
  }

  // ---- cancel ------------------------------------------------------------------------------------------------------

  /**
   * A cancel is accepted until CloseAccount may be sent: the stage machine checks for it right before it marks
   * `closeSent`, in the same workflow task, so a cancel is either seen there or refused here; never lost.
   */
  validateCancellation(raw: unknown): void {
    const cancellation = parseUpdate(ClosureCancellationSchema, raw);
    const { workflowId, runId } = workflowInfo();
    if (Object.keys(this.input.decisionKeys).length === 0 || !verifyAct(closureCancellationAct(workflowId, runId, cancellation), cancellation, this.input.decisionKeys)) {
      throw refuse('SignatureInvalid', 'the cancellation is not signed by the request API for this closure: cancel through the API');
    }
    if (cancellation.cancelledBy !== this.input.requester && !cancellation.roles.includes('operator')) {
      throw refuse('DecisionNotAllowed', `only ${this.input.requester} (who asked for the closure) or an operator may cancel it`);
    }
    if (this.status.cancellation) {
      const c = this.status.cancellation;
      throw refuse('AlreadyDecided', `already cancelled by ${c.cancelledBy} at ${c.cancelledAt}`);
    }
    if (isTerminalClosureStage(this.stage)) throw refuse('WrongStage', `the closure has ended at stage ${this.stage}`);
    if (this.closeSent || this.stage === 'suspended') {
      const sent = this.status.closure?.closeRequestedAt;
      throw ApplicationFailure.create({
        type: ClosureRefusal.Irreversible,
        nonRetryable: true,
        message: `CloseAccount was sent${sent ? ` at ${sent}` : ''}: the account is closing and cannot be restored here; AWS Support can reopen it within 90 days`,
      });
    }
  }

  recordCancellation(cancellation: ClosureCancellationInput): ClosureCancellationRecord {
    const record: ClosureCancellationRecord = {
      cancelledBy: cancellation.cancelledBy,
      reason: cancellation.reason,
      cancelledAt: new Date().toISOString(),
      stage: this.stage,
    };
    this.status.cancellation = record;
    return record;
  }
}

/** Validates an update's input; a malformed one is refused (typed) before anything reaches history. */
function parseUpdate<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } },
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw refuse('InvalidInput', result.error.issues.map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`).join('; '));
}
