/**
 * The root-window guardian: a Temporal Schedule (one per task queue, created idempotently by every worker at start)
 * that starts `guardRootWindows` every interval. It covers the paths that skip workflow code: a vending run that was
 * terminated, reset or stopped by the history limit while its root window may have been open, or while its account
 * was being created. Each finding gets a cleanup run of its own, with a deterministic id (so it happens once) and the
 * SafetyAlarm and AccountId search attributes (so operators find it in the Web UI), and an operator alarm.
 */
export const GUARDIAN_WORKFLOW_TYPE = 'guardRootWindows';
export const CLOSE_ABANDONED_WINDOW_WORKFLOW_TYPE = 'closeAbandonedRootWindow';
export const REPORT_ORPHAN_WORKFLOW_TYPE = 'reportOrphanAccount';
export const REAUDIT_ALARM_WORKFLOW_TYPE = 'raiseRootCredentialsAlarm';

export function guardianScheduleId(taskQueue: string): string {
  return `${taskQueue}.root-window-guardian`;
}

export interface GuardianConfig {
  taskQueue: string;
  /** How often the schedule runs the guardian (the "guardian period"). */
  intervalMs: number;
  /** Runs that closed within this many days are looked at: abandoned windows, orphans, and re-audits. */
  lookbackDays: number;
  /** At most this many recently closed windows are re-audited per guardian run (AssumeRoot calls are not free). */
  reauditsPerRun: number;
}

/** A vending run that ended while a root window may have been open. */
export interface AbandonedWindow {
  requestId: string;
  runId: string;
  accountId: string;
  /** Temporal's view of how the run ended: TERMINATED, TIMED_OUT, FAILED, ... */
  execution: string;
  stage: string;
}

/**
 * A run that ended abnormally (terminated, timed out) before its request reached an end: the account it created, or
 * was creating, belongs to no live request. Known by its AccountId search attribute, or (a run that ended while
 * creating, before it learned the id) found by the email and tags of the run's input.
 */
export interface OrphanCandidate {
  requestId: string;
  runId: string;
  execution: string;
  /** The stage the run ended at. */
  stage: string;
  requester: string;
  accountId?: string;
  /** From the run's input, when the account's id is not known: the account this request would own. */
  email?: string;
}

/** An account that no live request owns: its run ended abnormally before the request reached an end. */
export interface OrphanAccount extends Omit<OrphanCandidate, 'email' | 'accountId'> {
  accountId: string;
}

export interface GuardianFindings {
  abandonedWindows: AbandonedWindow[];
  orphanCandidates: OrphanCandidate[];
  /** Accounts whose window closed recently, chosen for this run's re-audit. */
  reaudit: { requestId: string; accountId: string }[];
}

/** Deterministic ids: one cleanup per abandoned run, one orphan report per run, one re-audit alarm per account a day. */
export const guardianRunIds = {
  closeWindow: (f: Pick<AbandonedWindow, 'requestId' | 'runId'>) => `root-window-cleanup.${f.requestId}.${f.runId}`,
  orphan: (f: Pick<OrphanAccount, 'requestId' | 'runId'>) => `orphan-account.${f.requestId}.${f.runId}`,
  reauditAlarm: (accountId: string, day: string) => `root-credentials-alarm.${accountId}.${day}`,
};
