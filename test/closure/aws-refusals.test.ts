/**
 * AWS's refusals never fail a closure. Here AWS (the sandbox) is stricter than the coordinator believes: two accounts
 * were closed outside this engine (they count against AWS's rolling quota of 3, the coordinator does not know them),
 * and AWS takes one closure at a time where the coordinator allows three. Three closures through the engine: AWS
 * refuses some for its requests limit (they wait a moment and go on) and for its quota (they go back to the head of the
 * line); exactly one more account is SUSPENDED and the other two wait, none failed.
 */
import { CloseAccountCommand, DescribeAccountCommand } from '@aws-sdk/client-organizations';
import { api, waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';
import { prepareClosureOrganization, TEST_CLOSURE_POLICY } from '../support/closure';
import { sandboxControl } from '../support/vending';

const DAY = 86_400_000;

let env: TestEnv;
let accounts: string[];

beforeAll(async () => {
  env = await startTestEnv({
    api: true,
    sandbox: { timeScale: 100, closeAccountDurationMs: 60_000, closeAccountQuotaMin: 3, closeAccountQuotaMax: 3, maxClosuresInProgress: 1 },
    closureQuota: { quotaMin: 5, quotaMax: 5, maxInProgress: 3 },
    closure: { policy: { ...TEST_CLOSURE_POLICY, reopenWindowMs: 7 * DAY, reopenReminderBeforeMs: DAY, slotWaitMs: 4 * 3_600_000, slotDeadlineMs: 35 * DAY } },
    prepareOrganization: async (aws, sandbox) => {
      const org = await prepareClosureOrganization(aws, sandbox);
      const seeded = await fetch(`${sandbox.endpoint}/sandbox/member-accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ count: 5, organizationalUnit: 'Workloads', namePrefix: 'refused' }),
      });
      accounts = ((await seeded.json()) as { accountIds: string[] }).accountIds;
      return org.config;
    },
  });
}, 120_000);
afterAll(async () => env?.stop());

const view = async (id: string) => (await api(env.apiUrl!, 'GET', `/v1/closure-requests/${id}`, { token: 'dev-admin' })).body;

test('quota and requests-limit refusals from AWS send closures back in line; none fails', async () => {
  const [outside1, outside2, ...ours] = accounts;
  for (const accountId of [outside1, outside2]) {
    await env.aws.organizations.send(new CloseAccountCommand({ AccountId: accountId }));
    await waitFor(`${accountId} SUSPENDED`, async () => {
      const { Account } = await env.aws.organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
      return Account?.State === 'SUSPENDED' ? true : undefined;
    });
  }

  const ids = await Promise.all(
    ours.map(async (accountId) => {
      const asked = await api(env.apiUrl!, 'POST', '/v1/closure-requests', { token: 'dev-admin', body: { accountId, reason: 'cleanup', adopt: true } });
      expect(asked.status).toBe(202);
      const id: string = asked.body.id;
      await waitFor(`${id} awaiting a decision`, async () => ((await view(id)).stage === 'awaiting-decision' ? true : undefined));
      expect((await api(env.apiUrl!, 'POST', `/v1/closure-requests/${id}/decision`, { token: 'dev-approver', body: { decision: 'approve', reason: 'ok' } })).status).toBe(200);
      return id;
    }),
  );

  const settled = await waitFor(
    'one SUSPENDED, two waiting after an AWS quota refusal',
    async () => {
      const views = await Promise.all(ids.map(view));
      const suspended = views.filter((v) => v.stage === 'suspended');
      // Waiting in line behind AWS's answer (or the quota behind it), not sending CloseAccount again and again.
      const waiting = views.filter((v) => v.stage === 'closing' && ['aws-refusal', 'quota'].includes(v.slot?.waitingFor) && !v.closure?.closeRequestedAt);
      const refusedQuota = (await sandboxControl(env, 'GET', '/state')).body.accountClosures.refused.quota;
      return suspended.length === 1 && waiting.length === 2 && refusedQuota >= 1 ? { views, waiting } : undefined;
    },
    120_000,
    500,
  );
  expect(settled.views.filter((v) => ['failed', 'needs-attention', 'cancelled'].includes(v.stage))).toEqual([]);
  // The refused ones say so in their timeline, and what holds them now is AWS's answer (or the quota behind it).
  const refusedTimelines = settled.views.flatMap((v) => v.timeline.filter((t: any) => /AWS refused CloseAccount/.test(t.note ?? '')));
  expect(refusedTimelines.length).toBeGreaterThanOrEqual(1);
  for (const v of settled.waiting) expect(Date.parse(v.slot.expectedAt)).toBeGreaterThan(Date.parse(v.timeline.at(-1).enteredAt));
  const state = (await sandboxControl(env, 'GET', '/state')).body.accountClosures;
  expect(state.acceptedInWindow).toBe(3);
  expect(state.peakInProgress).toBe(1);
}, 180_000);
