/** What the workflow tells people, and when: the notifier activity delivers it (activities/notifier.ts). */
import { z } from 'zod';

export const NotificationSchema = z.object({
  kind: z.enum(['decision-needed', 'decision-reminder', 'root-window-opened', 'root-window-closed', 'completed', 'failed', 'needs-attention']),
  requestId: z.string(),
  accountName: z.string(),
  accountId: z.string().optional(),
  /** Who it is for: "approvers", "requester", "operators", or the root mailbox owner. */
  audience: z.string(),
  message: z.string(),
});
export type Notification = z.infer<typeof NotificationSchema>;
