/**
 * 40 closures at once against a rolling quota of 20 (coordinator and sandbox configured alike): 20 accounts SUSPENDED,
 * 20 closures waiting in the coordinator's line with an expected time (when the quota's window frees a slot), none
 * failed, and AWS (the sandbox) never refused a CloseAccount for its quota: the coordinator kept the line.
 */
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';
import { assertEveryClosedAccountApproved, prepareClosureOrganization, TEST_CLOSURE_POLICY } from '../support/closure';
import { sandboxControl } from '../support/vending';

const DAY = 86_400_000;
const QUOTA = 20;
const REQUESTED = 40;
const TIME_SCALE = 100;

let env: TestEnv;
let accounts: string[];

beforeAll(async () => {
  env = await startTestEnv({
    api: true,
    // A closure is PENDING_CLOSURE for a minute of AWS time (0.6 s here); the quota's 30 days are 7.2 hours here.
    sandbox: { timeScale: TIME_SCALE, closeAccountDurationMs: 60_000, closeAccountQuotaMin: QUOTA, closeAccountQuotaMax: QUOTA },
    closureQuota: { quotaMin: QUOTA, quotaMax: QUOTA },
    // Closed accounts stay in their reopen window; waiting ones keep waiting (the slot deadline is 35 days).
    closure: { policy: { ...TEST_CLOSURE_POLICY, reopenWindowMs: 7 * DAY, reopenReminderBeforeMs: DAY, slotWaitMs: 4 * 3_600_000, slotDeadlineMs: 35 * DAY } },
    prepareOrganization: async (aws, sandbox) => {
      const org = await prepareClosureOrganization(aws, sandbox);
      const seeded = await fetch(`${sandbox.endpoint}/sandbox/member-accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ count: REQUESTED, organizationalUnit: 'Workloads', namePrefix: 'quota' }),
      });
      accounts = ((await seeded.json()) as { accountIds: string[] }).accountIds;
      return org.config;
    },
  });
}, 120_000);
afterAll(async () => env?.stop());

const view = async (id: string) => (await api(env.apiUrl!, 'GET', `/v1/closure-requests/${id}`, { token: 'dev-admin' })).body;

test(`${REQUESTED} closures at once against a quota of ${QUOTA}: ${QUOTA} SUSPENDED, ${REQUESTED - QUOTA} waiting with an expected time, none failed`, async () => {
  const asked = await Promise.all(
    accounts.map((accountId) =>
      api(env.apiUrl!, 'POST', '/v1/closure-requests', { token: 'dev-admin', body: { accountId, reason: 'decommissioned estate', adopt: true } }),
    ),
  );
  expect(asked.map((a) => a.status)).toEqual(accounts.map(() => 202));
  const ids: string[] = asked.map((a) => a.body.id);

  await Promise.all(
    ids.map(async (id) => {
      // Each closure polled once a second: forty polling five times a second were a load test of their own.
      await waitFor(`${id} awaiting a decision`, async () => ((await view(id)).stage === 'awaiting-decision' ? true : undefined), 180_000, 1_000);
      // As a client should: a 503 or 429 (with Retry-After) is tried again; on a loaded machine the closure's workflow
      // task can be retrying, and the API says so instead of failing.
      let decided = await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/decision`, { token: 'dev-approver', body: { decision: 'approve', reason: 'estate review' } });
      for (let tries = 1; (decided.status === 503 || decided.status === 429) && tries < 20; tries++) {
        await new Promise((r) => setTimeout(r, Number(decided.headers.get('retry-after') ?? '2') * 1000));
        decided = await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/decision`, { token: 'dev-approver', body: { decision: 'approve', reason: 'estate review' } });
      }
      expect({ id, status: decided.status }).toEqual({ id, status: 200 });
    }),
  );

  // Settled: every closure is SUSPENDED or waits in line for the quota.
  const settled = await waitFor(
    'every closure SUSPENDED or waiting for the quota',
    async () => {
      const views = await Promise.all(ids.map(view));
      const suspended = views.filter((v) => v.stage === 'suspended');
      const waiting = views.filter((v) => v.stage === 'closing' && v.slot?.waitingFor === 'quota');
      return suspended.length + waiting.length === ids.length ? { views, suspended, waiting } : undefined;
    },
    240_000,
    2_000,
  );
  expect(settled.suspended).toHaveLength(QUOTA);
  expect(settled.waiting).toHaveLength(REQUESTED - QUOTA);
  expect(settled.views.filter((v) => ['failed', 'needs-attention', 'cancelled'].includes(v.stage))).toEqual([]);

  // Each waiting closure knows its place and when its turn is expected: when the oldest closures leave the window.
  const windowMs = (30 * DAY) / TIME_SCALE;
  // The coordinator granted each slot between the closure's ask and the closure seeing the grant.
  const firstAsk = Math.min(...settled.suspended.map((v: any) => Date.parse(v.closure.slotAskedAt)));
  const lastGrant = Math.max(...settled.suspended.map((v: any) => Date.parse(v.closure.slotGrantedAt)));
  const positions = settled.waiting.map((v: any) => v.slot.position).sort((a: number, b: number) => a - b);
  expect(positions).toEqual(Array.from({ length: REQUESTED - QUOTA }, (_, i) => i));
  for (const v of settled.waiting) {
    expect(Date.parse(v.slot.expectedAt)).toBeGreaterThanOrEqual(firstAsk + windowMs);
    expect(Date.parse(v.slot.expectedAt)).toBeLessThanOrEqual(lastGrant + windowMs);
    expect(v.closure.closeRequestedAt).toBeUndefined();
  }
  // In line order: a later place never expects an earlier turn.
  const byPosition = [...settled.waiting].sort((a: any, b: any) => a.slot.position - b.slot.position);
  for (let i = 1; i < byPosition.length; i++) expect(Date.parse(byPosition[i].slot.expectedAt)).toBeGreaterThanOrEqual(Date.parse(byPosition[i - 1].slot.expectedAt));

  const sandbox = (await sandboxControl(env, 'GET', '/state')).body.accountClosures;
  expect(sandbox.acceptedInWindow).toBe(QUOTA);
  expect(sandbox.refused.quota).toBe(0);
  expect(sandbox.peakInProgress).toBeLessThanOrEqual(3);
  expect(await assertEveryClosedAccountApproved(env)).toBe(QUOTA);
}, 600_000);
