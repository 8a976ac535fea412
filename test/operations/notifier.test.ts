/**
 * The webhook notifier (activities/notifier.ts) against a local HTTP server standing in for Slack or a chat relay:
 * one POST per notification kind with a Slack-compatible `text` and the structured fields; a webhook that fails makes
 * the activity reject, and a real worker shows Temporal retrying it until the webhook takes it.
 */
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import { createNotifierActivities, webhookSink, type Notification } from '../../activities/notifier';
import { statusQuery } from '../../contract/vending';
import { createVendingWorkerSet } from '../../worker/worker-set';
import { startTestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { WORKFLOW_BUNDLE_PATH } from '../support/paths';
import { requestAccount, waitForStage } from '../support/vending';

interface Received {
  method: string;
  contentType?: string;
  body: any;
}

/** A webhook receiver; `answer` decides the status of each post (default 200). */
async function startWebhook(answer: (body: any, index: number) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || 'null');
      received.push({ method: req.method ?? '', contentType: req.headers['content-type'], body });
      const status = answer(body, received.length - 1);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/vending`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const KINDS: { kind: Notification['kind']; audience: string; message: string; accountId?: string; severity?: Notification['severity'] }[] = [
  { kind: 'decision-needed', audience: 'approvers', message: 'billing access is off: approve the root remediation, attest, or reject' },
  { kind: 'decision-reminder', audience: 'approvers', message: 'still waiting for a decision (deadline 2030-01-08T00:00:00.000Z)' },
  { kind: 'root-window-opened', audience: 'root mailbox owner', message: 'password recovery allowed: sign in as root and switch billing access on', accountId: '111122223333' },
  { kind: 'root-window-closed', audience: 'approvers', message: 'root window closed (confirmed)', accountId: '111122223333' },
  { kind: 'completed', audience: 'requester', message: 'completed', accountId: '111122223333' },
  { kind: 'failed', audience: 'requester', message: 'account creation failed with INVALID_ADDRESS: fix the management account address' },
  { kind: 'cancelled', audience: 'requester', message: 'cancelled after account 111122223333 was created', accountId: '111122223333' },
  { kind: 'root-credentials-remain', severity: 'critical', audience: 'operators', message: 'ROOT CREDENTIALS REMAIN on account 111122223333', accountId: '111122223333' },
  { kind: 'root-window-abandoned', severity: 'critical', audience: 'operators', message: 'a run ended with its root window open', accountId: '111122223333' },
  { kind: 'orphan-account', severity: 'critical', audience: 'operators', message: 'account 111122223333 has no request', accountId: '111122223333' },
];

test('one Slack-compatible POST per notification kind: text "[kind] account: message" plus the structured fields', async () => {
  const webhook = await startWebhook();
  try {
    const { notify } = createNotifierActivities([webhookSink(webhook.url)]);
    for (const k of KINDS) {
      await notify({ requestId: 'vend-0123456789abcdef01234567', accountName: 'team-a-dev', ...k });
    }
    expect(webhook.received.map((r) => r.body.kind)).toEqual(KINDS.map((k) => k.kind));
    webhook.received.forEach((r, i) => {
      const k = KINDS[i];
      expect(r.method).toBe('POST');
      expect(r.contentType).toBe('application/json');
      expect(r.body).toEqual({
        // Operator alarms stand out in a chat channel; senders from before severities existed mean "info".
        text: `${k.severity === 'critical' ? '[CRITICAL] ' : ''}[${k.kind}] team-a-dev: ${k.message}`,
        kind: k.kind,
        severity: k.severity ?? 'info',
        requestId: 'vend-0123456789abcdef01234567',
        accountName: 'team-a-dev',
        audience: k.audience,
        message: k.message,
        ...(k.accountId ? { accountId: k.accountId } : {}),
      });
    });
  } finally {
    await webhook.close();
  }
});

test('a failing webhook (5xx, 4xx, unreachable) or an invalid notification makes the activity reject, so Temporal retries it', async () => {
  const webhook = await startWebhook((_body, index) => [500, 429, 404][index] ?? 200);
  try {
    const { notify } = createNotifierActivities([webhookSink(webhook.url)]);
    const n: Notification = { kind: 'completed', severity: 'info', requestId: 'vend-1', accountName: 'team-b', audience: 'requester', message: 'completed' };
    await expect(notify(n)).rejects.toThrow('notification webhook answered 500');
    await expect(notify(n)).rejects.toThrow('notification webhook answered 429');
    await expect(notify(n)).rejects.toThrow('notification webhook answered 404');
    await expect(notify(n)).resolves.toBeUndefined();
    expect(webhook.received).toHaveLength(4);

    // One failing sink fails the whole notification (the other sinks still got it once).
    const logged: unknown[] = [];
    const both = createNotifierActivities([{ send: async (x) => void logged.push(x) }, webhookSink('http://127.0.0.1:9/unreachable')]);
    await expect(both.notify(n)).rejects.toThrow();
    expect(logged).toHaveLength(1);

    await expect(notify({ ...n, kind: 'bogus' as Notification['kind'] })).rejects.toThrow();
    expect(webhook.received).toHaveLength(4);
  } finally {
    await webhook.close();
  }
});

test('through a real worker: the completed notification is retried by Temporal until the webhook accepts it', async () => {
  // The first two posts of "completed" fail; the notifier's retry policy (3 attempts) delivers the third.
  let completedPosts = 0;
  const webhook = await startWebhook((body) => (body.kind === 'completed' && ++completedPosts <= 2 ? 503 : 200));
  const env = await startTestEnv({ worker: false, sandbox: { timeScale: 10 } });
  const connection = await NativeConnection.connect({ address: process.env.VEND_TEST_TEMPORAL_ADDRESS as string });
  const workers = await createVendingWorkerSet({
    connection,
    client: env.client,
    namespace: 'default',
    taskQueue: env.taskQueue,
    aws: env.aws,
    notificationSinks: [webhookSink(webhook.url)],
    awsQuotaScale: env.sandbox.settings().timeScale,
    workflowBundle: { code: readFileSync(WORKFLOW_BUNDLE_PATH, 'utf8') },
  });
  const running = workers.run();
  try {
    const handle = await requestAccount(env, { email: 'notify-retry@example.com' });
    const status = await waitForStage(handle, 'completed', 45_000);
    await waitFor('the third post', async () => (completedPosts >= 3 ? true : undefined), 15_000);
    const completed = webhook.received.filter((r) => r.body.kind === 'completed');
    expect(completed).toHaveLength(3);
    expect(new Set(completed.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(completed[0].body).toMatchObject({
      requestId: handle.workflowId,
      accountName: 'notify-retry',
      accountId: status.accountId,
      text: expect.stringMatching(/^\[completed\] notify-retry: /),
    });
    expect((await handle.query(statusQuery)).stage).toBe('completed');
  } finally {
    workers.shutdown();
    await running;
    await connection.close();
    await env.stop();
    await webhook.close();
  }
}, 60_000);
