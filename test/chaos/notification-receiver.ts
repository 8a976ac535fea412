/**
 * The operator's inbox: a local HTTP endpoint the worker's webhook sink (VEND_NOTIFY_WEBHOOK_URL) posts to. Keeps
 * every notification as received; severity, audience and accountId are read by the invariants when present.
 */
import http from 'node:http';
import { type AddressInfo } from 'node:net';

export interface ReceivedNotification {
  receivedAt: number;
  kind?: string;
  requestId?: string;
  accountId?: string;
  audience?: string;
  severity?: string;
  message?: string;
  /** The whole payload, for fields added later. */
  raw: Record<string, unknown>;
}

export interface NotificationReceiver {
  url: string;
  received: ReceivedNotification[];
  close(): Promise<void>;
}

export async function startNotificationReceiver(): Promise<NotificationReceiver> {
  const received: ReceivedNotification[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const raw = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
        received.push({
          receivedAt: Date.now(),
          kind: text('kind'),
          requestId: text('requestId'),
          accountId: text('accountId'),
          audience: text('audience'),
          severity: text('severity'),
          message: text('message'),
          raw,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
