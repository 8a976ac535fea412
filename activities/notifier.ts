/**
 * Notifications to people: decision needed, reminders, root window opened/closed, completed, failed. The default
 * sink writes a structured log line; a webhook sink posts a Slack-compatible payload. The workflow never waits on
 * a notification's success: it retries a few times and moves on.
 */
import { NotificationSchema, type Notification, type NotificationInput } from '../contract/notifications';

export { NotificationSchema, type Notification, type NotificationInput };

export interface NotificationSink {
  send(notification: Notification): Promise<void>;
}

export function logSink(log: (obj: Record<string, unknown>) => void): NotificationSink {
  return { send: async (n) => log({ msg: 'notification', ...n }) };
}

export function webhookSink(url: string, fetchImpl: typeof fetch = fetch): NotificationSink {
  return {
    async send(n) {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `${n.severity === 'critical' ? '[CRITICAL] ' : ''}[${n.kind}] ${n.accountName}: ${n.message}`, ...n }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`notification webhook answered ${response.status}`);
    },
  };
}

export function createNotifierActivities(sinks: NotificationSink[]) {
  return {
    async notify(notification: NotificationInput): Promise<void> {
      const parsed = NotificationSchema.parse(notification);
      await Promise.all(sinks.map((sink) => sink.send(parsed)));
    },
  };
}
