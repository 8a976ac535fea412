/** What the workflows tell people, and when: the notifier activity delivers it (activities/notifier.ts). */
import { z } from 'zod';

/**
 * Operator alarms: a safety promise is at risk and a person must look now. Each is also the value of the SafetyAlarm
 * search attribute on the run (or the guardian's cleanup run) that raised it.
 */
export const SAFETY_ALARMS = [
  /** A root window's post-audit found root credentials, or AWS refused to delete one. */
  'root-credentials-remain',
  /** A run ended (terminated, reset, history limit) while its root window may have been open; the guardian closed it. */
  'root-window-abandoned',
  /** An account exists that no request owns (its run ended during creation). */
  'orphan-account',
] as const;
export type SafetyAlarm = (typeof SAFETY_ALARMS)[number];

export const NotificationSchema = z.object({
  kind: z.enum([
    'decision-needed',
    'decision-reminder',
    'root-window-opened',
    'root-window-closed',
    'completed',
    'failed',
    'needs-attention',
    'cancelled',
    // Account closure (workflows/close-account.ts): to the account's owner and operators.
    'account-quarantined',
    'account-restored',
    'account-closing',
    'account-suspended',
    'reopen-window-ending',
    'account-closed',
    'closure-rejected',
    ...SAFETY_ALARMS,
  ]),
  /** `critical`: an operator alarm (one of SAFETY_ALARMS); senders from before severities existed mean `info`. */
  severity: z.enum(['info', 'warning', 'critical']).default('info'),
  requestId: z.string(),
  accountName: z.string(),
  accountId: z.string().optional(),
  /** Who it is for: "approvers", "requester", "operators", or the root mailbox owner. */
  audience: z.string(),
  message: z.string(),
});
export type Notification = z.infer<typeof NotificationSchema>;
export type NotificationInput = z.input<typeof NotificationSchema>;
