/**
 * The state of one vending request and every change to it: the stage (mirrored to the VendingStage search attribute),
 * the timeline, the facts learned so far, and the human decisions with their validators. The `status` query returns
 * it; the result is its final form. The stage machine (vending.ts) drives it; the update handlers write to it only
 * through the methods below.
 */
import {
  ApplicationFailure,
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { verifyAct } from '../contract/decision-signature';
import {
  AccountIdKey,
  BillingAccessVerdictKey,
  RequesterKey,
  RootWindowKey,
  SafetyAlarmKey,
  VendingStageKey,
  type RootWindowState,
} from '../contract/search-attributes';
import { type SafetyAlarm } from '../contract/notifications';
import { type VendingStage } from '../contract/stages';
import {
  confirmationAct,
  decisionAct,
  DecisionSchema,
  RemediationConfirmationSchema,
  requiresSignedDecisions,
  type BillingAccessAssessment,
  type DecisionInput,
  type DecisionRecord,
  type RemediationConfirmation,
  type RootWindowRecord,
  type UpdateRefusal,
  type VendingInput,
  type VendingStatus,
} from '../contract/vending';
import { PATCHES } from './patches';

/** A validator's refusal: typed, so the API answers 403 or 409 by type. */
export function refuse(type: keyof typeof UpdateRefusal, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** A confirmation as the window sees it: who, and whether its re-check has run. */
export interface PendingConfirmation {
  confirmedBy: string;
  note: string;
  at: string;
  checked: boolean;
}

export class VendingRun {
  readonly status: VendingStatus;
  /** More of the current details below the stage line (the baseline's step table), kept through later stages. */
  detailsAppendix?: () => string;
  private detailsLine = '';
  /** The confirmation the root window is waiting for or re-checking. */
  confirmation?: PendingConfirmation;

  constructor(readonly input: VendingInput) {
    this.status = {
      stage: 'preflight',
      accountName: input.request.accountName,
      requester: input.requester,
      organizationalUnit: input.request.organizationalUnit,
      timeline: [],
    };
    // The client sets these at start (AccountEmail as a keyed hash when encryption is on, which only the client can
    // compute). A workflow started any other way gets its Requester; never a plaintext email from here. (Released in
    // this form; test/replay/accepted-divergences.ts says why builds before it are not replayed.)
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
    // What an operator sees first in the Web UI ("current details", rendered as markdown): where the request stands
    // and why. Names and reasons are people's text: escaped, so they cannot paint links or headings there.
    const account = this.status.accountId ? ` · account ${this.status.accountId}` : '';
    const why = note ? ` · ${escapeMarkdown(note)}` : '';
    this.detailsLine = `**${stage}**${account} · requested by ${escapeMarkdown(this.input.requester)}${why}`;
    this.refreshDetails();
  }

  refreshDetails(): void {
    setCurrentDetails(this.detailsAppendix ? `${this.detailsLine}\n\n${this.detailsAppendix()}` : this.detailsLine);
  }

  /** A line in the timeline without a change of stage (a retry, a refused confirmation, ...). */
  note(note: string): void {
    this.status.timeline.push({ stage: this.stage, enteredAt: new Date().toISOString(), note });
  }

  setAccountId(accountId: string): void {
    this.status.accountId = accountId;
    upsertSearchAttributes([{ key: AccountIdKey, value: accountId }]);
  }

  setBillingAccess(assessment: BillingAccessAssessment): void {
    this.status.billingAccess = assessment;
    upsertSearchAttributes([{ key: BillingAccessVerdictKey, value: assessment.verdict }]);
  }

  /** The RootWindow search attribute: how the guardian finds a window whose run ended without closing it. */
  setRootWindowState(state: RootWindowState): void {
    if (patched(PATCHES.rootWindowStates)) upsertSearchAttributes([{ key: RootWindowKey, value: state }]);
  }

  /** Marks the run for operators (SafetyAlarm search attribute) and the status; the caller notifies them. */
  raiseAlarm(alarm: SafetyAlarm): boolean {
    if (!patched(PATCHES.safetyAlarms)) return false;
    this.status.alarms = [...(this.status.alarms ?? []), alarm];
    upsertSearchAttributes([{ key: SafetyAlarmKey, value: alarm }]);
    return true;
  }

  // ---- decide --------------------------------------------------------------------------------------------------

  /**
   * The decide update's validator: refuses before anything is written to history. Runs for every update, also
   * concurrent ones: the first accepted decision is recorded by its handler before the next validator runs, so a
   * second one is refused here even while the stage machine has not resumed yet.
   */
  validateDecision(raw: unknown): void {
    const decision = parseUpdate(DecisionSchema, raw);
    const { workflowId, runId } = workflowInfo();
    if (requiresSignedDecisions(this.input)) {
      const act = decisionAct(workflowId, runId, decision);
      if (!verifyAct(act, decision, this.input.decisionKeys)) {
        throw refuse('SignatureInvalid', 'the decision is not signed by the request API for this request: decide through the API');
      }
    }
    if (this.status.decision) {
      const d = this.status.decision;
      throw refuse('AlreadyDecided', `a decision is already recorded: ${d.decision} by ${d.decidedBy} at ${d.decidedAt}`);
    }
    if (this.stage !== 'awaiting-decision') throw refuse('WrongStage', `no decision is pending: the request is at stage ${this.stage}`);
    if (!decision.roles.includes('approver')) throw refuse('DecisionNotAllowed', `${decision.decidedBy} does not hold the approver role`);
    if (decision.decidedBy === this.input.requester) {
      throw refuse('DecisionNotAllowed', `${decision.decidedBy} requested this account and cannot decide on it; another approver must`);
    }
  }

  /** The decide update's handler: the validator has accepted it (on replay, history says it was accepted). */
  recordDecision(decision: DecisionInput): DecisionRecord {
    const record: DecisionRecord = {
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

  // ---- confirm the remediation ---------------------------------------------------------------------------------

  validateConfirmation(raw: unknown): void {
    const confirmation = parseUpdate(RemediationConfirmationSchema, raw);
    const { workflowId, runId } = workflowInfo();
    if (requiresSignedDecisions(this.input)) {
      if (!verifyAct(confirmationAct(workflowId, runId, confirmation), confirmation, this.input.decisionKeys)) {
        throw refuse('SignatureInvalid', 'the confirmation is not signed by the request API for this request: confirm through the API');
      }
    }
    // Four eyes on the remediation too: the requester cannot vouch that their own account's access is on.
    if (confirmation.confirmedBy === this.input.requester) {
      throw refuse('DecisionNotAllowed', `${confirmation.confirmedBy} requested this account and cannot confirm its remediation; an approver or operator must`);
    }
    if (!(confirmation.roles ?? []).some((r) => r === 'approver' || r === 'operator')) {
      throw refuse('DecisionNotAllowed', `${confirmation.confirmedBy} holds neither the approver nor the operator role`);
    }
    if (this.stage !== 'root-window-open') throw refuse('WrongStage', `no root window is open: the request is at stage ${this.stage}`);
    if (this.confirmation && !this.confirmation.checked) {
      throw refuse('AlreadyDecided', `${this.confirmation.confirmedBy} confirmed at ${this.confirmation.at}; the re-check is running`);
    }
  }

  recordConfirmation(confirmation: RemediationConfirmation): RootWindowRecord {
    this.confirmation = {
      confirmedBy: confirmation.confirmedBy,
      note: confirmation.note ?? '',
      at: new Date().toISOString(),
      checked: false,
    };
    return this.status.rootWindow ?? {};
  }

  fail(message: string, type?: string): void {
    this.status.failure = { message, ...(type ? { type } : {}) };
    this.enter('failed', message);
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

/** Markdown's special characters, backslash-escaped: text shows as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}
