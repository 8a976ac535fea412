/**
 * Every way a root window (or the decision before it) can end leaves no root credentials behind: confirmation by
 * the root-mailbox owner, CloudTrail evidence of the console step, the window's deadline, rejection before any
 * window, no decision before the deadline, cancellation inside the window. The one exception is deliberate: root
 * credentials whose deletion an SCP denies, which must end `failed` with ROOT CREDENTIALS REMAIN. All paths run at once.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { statusQuery, type VendingStatus } from '../../contract/vending';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { BOB, confirmAs, countOf, decideAs, requestAccount, rootCredentials, sandboxControl, waitForStage } from '../support/vending';
import { expectExactlyOneAccountPerEmail, expectNothingRunning } from './support';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ sandbox: { timeScale: 10, linkedAccountAccess: false } });
});
afterAll(async () => env?.stop());

const approve = (h: WorkflowHandle) => decideAs(env, h, BOB, 'approve-remediation', 'fix billing access');

async function credentialCount(accountId: string): Promise<number> {
  const c = await rootCredentials(env, accountId);
  return (c.passwordPresent ? 1 : 0) + countOf(c.mfaDevices) + countOf(c.accessKeys) + countOf((c as { signingCertificates?: unknown }).signingCertificates);
}

/** Approves and waits until the window is open (password recovery allowed). */
async function openWindow(handle: WorkflowHandle, accountId: string): Promise<void> {
  await approve(handle);
  await waitForStage(handle, 'root-window-open');
  await waitFor('password recovery allowed', async () => ((await rootCredentials(env, accountId)).passwordPresent ? true : undefined));
}

/** The final status, whether the workflow completed or failed/was cancelled. */
async function finalStatus(handle: WorkflowHandle): Promise<VendingStatus> {
  try {
    return await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    return handle.query(statusQuery);
  }
}

type Path = { name: string; email: string; policy?: object; drive: (h: WorkflowHandle, accountId: string) => Promise<void> };

const PATHS: Path[] = [
  {
    name: 'confirmed',
    email: 'rw-confirm@example.com',
    // The window does not poll CloudTrail here: the confirmation (by an approver) and its re-check close it.
    policy: { billingVerification: { cloudTrailLookup: false } },
    drive: async (h, id) => {
      await openWindow(h, id);
      expect((await sandboxControl(env, 'POST', `/accounts/${id}/root-console/billing-access`, { enabled: true })).status).toBe(200);
      await confirmAs(env, h, BOB, 'switched on');
    },
  },
  {
    name: 'cloudtrail',
    email: 'rw-cloudtrail@example.com',
    drive: async (h, id) => {
      await openWindow(h, id);
      const res = await sandboxControl(env, 'POST', `/accounts/${id}/root-console/billing-access`, { enabled: true });
      expect(res.status).toBe(200);
    },
  },
  { name: 'window-deadline', email: 'rw-deadline@example.com', policy: { rootWindowDeadlineMs: 2_000 }, drive: (h) => approve(h).then(() => undefined) },
  {
    name: 'rejected',
    email: 'rw-reject@example.com',
    drive: (h) => decideAs(env, h, BOB, 'reject', 'not needed').then(() => undefined),
  },
  { name: 'decision-deadline', email: 'rw-nodecision@example.com', policy: { decisionDeadlineMs: 2_000 }, drive: async () => undefined },
  {
    name: 'cancelled',
    email: 'rw-cancel@example.com',
    drive: async (h, id) => {
      await openWindow(h, id);
      // Whatever is there when the window closes goes: an MFA device and an access key too.
      expect((await sandboxControl(env, 'POST', `/accounts/${id}/root-credentials`, { mfaDevices: 1, accessKeys: 1 })).status).toBe(200);
      await h.cancel();
    },
  },
  {
    name: 'undeletable',
    email: 'rw-scp@example.com',
    policy: { rootWindowDeadlineMs: 1_500 },
    drive: async (h, id) => {
      expect((await sandboxControl(env, 'POST', `/accounts/${id}/root-credentials`, { accessKeys: 1, denyDeletion: true })).status).toBe(200);
      await approve(h);
    },
  },
];

const EXPECTED: Record<string, { stage: string; note?: RegExp; closedBecause?: string; window: boolean }> = {
  confirmed: { stage: 'completed', note: /remediated \(confirmed\)/, closedBecause: 'confirmed', window: true },
  cloudtrail: { stage: 'completed', note: /remediated \(cloudtrail-evidence\)/, closedBecause: 'cloudtrail-evidence', window: true },
  'window-deadline': { stage: 'needs-attention', closedBecause: 'deadline', window: true },
  rejected: { stage: 'rejected', window: false },
  'decision-deadline': { stage: 'needs-attention', note: /no decision before the deadline/, window: false },
  cancelled: { stage: 'cancelled', closedBecause: 'cancelled', window: true },
  undeletable: { stage: 'failed', closedBecause: 'deadline', window: true },
};

test('every terminal path of the root window leaves no root credentials, except the SCP-denied one, which fails loudly', async () => {
  const started = Date.now();
  const outcomes = await Promise.all(
    PATHS.map(async (p) => {
      const handle = await requestAccount(env, { email: p.email }, { policy: p.policy });
      const waiting = await waitForStage(handle, 'awaiting-decision', 60_000);
      const accountId = waiting.accountId as string;
      await p.drive(handle, accountId);
      const status = await finalStatus(handle);
      return { path: p.name, accountId, status, remaining: await credentialCount(accountId), execution: (await handle.describe()).status.name };
    }),
  );
  process.stderr.write(`[root-window] ${outcomes.length} paths settled after ${Date.now() - started} ms\n`);

  for (const o of outcomes) {
    const want = EXPECTED[o.path];
    expect({ path: o.path, stage: o.status.stage }).toEqual({ path: o.path, stage: want.stage });
    if (want.note) expect(o.status.timeline.at(-1)?.note).toMatch(want.note);
    if (want.window) {
      expect({ path: o.path, closedBecause: o.status.rootWindow?.closedBecause }).toEqual({ path: o.path, closedBecause: want.closedBecause });
    } else {
      expect({ path: o.path, rootWindow: o.status.rootWindow }).toEqual({ path: o.path, rootWindow: undefined });
    }
    if (o.path === 'undeletable') {
      expect(o.status.failure?.message).toMatch(/ROOT CREDENTIALS REMAIN.*1 access key/);
      expect(o.remaining).toBeGreaterThan(0); // the access key (and the password the window allowed): deletion denied
      expect(o.execution).toBe('FAILED');
    } else {
      expect({ path: o.path, remaining: o.remaining }).toEqual({ path: o.path, remaining: 0 });
    }
  }
  await expectExactlyOneAccountPerEmail(env, PATHS.map((p) => p.email));
  await expectNothingRunning(env);
}, 200_000);
