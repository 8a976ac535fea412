/**
 * Every behaviour change a running history could meet is gated by a patch id listed here, with the release that
 * introduced it. A run that started before the change replays its recorded path (`patched()` is false while replaying
 * a history without the marker); a run that reaches the change on new code records the marker and takes the new path.
 * The replay fixtures in test/replay/histories/ prove both. How to add, deprecate and remove a patch: README,
 * "Changing workflow code".
 */
export const PATCHES = {
  /** r1 (creation-slot coordinator): a creation waits for one of the organization's slots. */
  orgCreationSlots: 'org-creation-slots',
  /** r3: `opening-root-window` stage before password recovery is allowed, RootWindow search attribute. */
  rootWindowStates: 'r3-root-window-states',
  /** r3: a cancel during creation waits for the creation's outcome and keeps the account on the request. */
  cancelWaitsForCreation: 'r3-cancel-waits-for-creation',
  /** r3: EMAIL_ALREADY_EXISTS first re-runs the reconcile (an earlier CreateAccount of ours may have landed late). */
  emailExistsReconciles: 'r3-email-exists-reconciles',
  /** r3: a transient FAILED creation is retried after a pause that depends on the reason. */
  creationRetryPause: 'r3-creation-retry-pause',
  /** r3: the wait for a creation slot times out and asks again (the coordinator may have been restarted). */
  slotGrantTimeout: 'r3-slot-grant-timeout',
  /** r3: a confirmation of the remediation is re-checked against CloudTrail before the request completes. */
  confirmationRecheck: 'r3-confirmation-recheck',
  /** r3: refused deletions and remaining root credentials raise an operator alarm and the SafetyAlarm attribute. */
  safetyAlarms: 'r3-safety-alarms',
  /** r4: after the billing-access verification, the blueprint's day-1 baseline steps run (workflows/baseline.ts). */
  dayOneBaseline: 'r4-day-one-baseline',
} as const;
