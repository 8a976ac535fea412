/**
 * The state of one vending request as the outside world sees it: the stage (mirrored to the VendingStage search
 * attribute), the timeline, the facts learned so far. The `status` query returns it; the result is its final form.
 */
import { ApplicationFailure, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  AccountIdKey,
  BillingAccessVerdictKey,
  VendingStageKey,
  RequesterKey,
} from '../contract/search-attributes';
import { type VendingStage } from '../contract/stages';
import {
  type BillingAccessAssessment,
  type DecisionInput,
  type DecisionRecord,
  type VendingInput,
  type VendingStatus,
  type UpdateRefusal,
} from '../contract/vending';

/** A validator's refusal: typed, so the API answers 403 or 409 by type. */
export function refuse(type: keyof typeof UpdateRefusal, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

export class VendingRun {
  readonly status: VendingStatus;

  constructor(readonly input: VendingInput) {
    this.status = {
      stage: 'preflight',
      accountName: input.request.accountName,
      requester: input.requester,
      organizationalUnit: input.request.organizationalUnit,
      timeline: [],
    };
    // The client sets these at start (AccountEmail as a keyed hash when encryption is on, which only the client can
    // compute). A workflow started any other way gets its Requester; never a plaintext email from here.
    if (workflowInfo().typedSearchAttributes.get(RequesterKey) === undefined) {
      upsertSearchAttributes([{ key: RequesterKey, value: input.requester }]);
    }
  }

  get stage(): VendingStage {
    return this.status.stage;
  }

  enter(stage: VendingStage, note?: string): void {
    this.status.stage = stage;
    this.status.timeline.push({ stage, enteredAt: new Date().toISOString(), ...(note ? { note } : {}) });
    upsertSearchAttributes([{ key: VendingStageKey, value: stage }]);
    // What an operator sees first in the Web UI ("current details"): where the request stands and why.
    const account = this.status.accountId ? ` · account ${this.status.accountId}` : '';
    setCurrentDetails(`**${stage}**${account} · requested by ${this.input.requester}${note ? ` · ${note}` : ''}`);
  }

  setAccountId(accountId: string): void {
    this.status.accountId = accountId;
    upsertSearchAttributes([{ key: AccountIdKey, value: accountId }]);
  }

  setBillingAccess(assessment: BillingAccessAssessment): void {
    this.status.billingAccess = assessment;
    upsertSearchAttributes([{ key: BillingAccessVerdictKey, value: assessment.verdict }]);
  }

  /** The update validator: refuses before anything is written to history. */
  validateDecision(decision: DecisionInput): void {
    if (this.stage !== 'awaiting-decision') throw refuse('WrongStage', `no decision is pending: the request is at stage ${this.stage}`);
    if (!decision.roles.includes('approver')) throw refuse('DecisionNotAllowed', `${decision.decidedBy} does not hold the approver role`);
    if (decision.decidedBy === this.input.requester) {
      throw refuse('DecisionNotAllowed', `${decision.decidedBy} requested this account and cannot decide on it; another approver must`);
    }
  }

  recordDecision(decision: DecisionInput): DecisionRecord {
    const record = { ...decision, decidedAt: new Date().toISOString() };
    this.status.decision = record;
    this.status.pendingDecision = undefined;
    return record;
  }

  fail(message: string, type?: string): void {
    this.status.failure = { message, ...(type ? { type } : {}) };
    this.enter('failed', message);
  }
}
