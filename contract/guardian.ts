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

/** A run that ended while creating its account, before it learned the account's id: it may have left one behind. */
export interface OrphanCandidate {
  requestId: string;
  runId: string;
  execution: string;
  /** From the run's input: the account this request would own (tagged with its id and requester). */
  email: string;
  requester: string;
}

/** An account whose creating run ended before it learned the account's id. */
export interface OrphanAccount extends Omit<OrphanCandidate, 'email'> {
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
