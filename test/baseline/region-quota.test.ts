/**
 * AWS's region opt-in caps across running requests: 20 accounts each enabling 3 regions (60 changes for a cap of 50
 * per organization) and one enabling 8 (a cap of 6 per account). The org's region coordinator holds the surplus
 * back: the sandbox, which refuses any change over either cap and counts its peaks, never sees more than 50 in the
 * organization or 6 in one account, and no EnableRegion is refused.
 */
import { regionSlotsQuery, regionSlotsWorkflowId } from '../../contract/region-slots';
import { type VendingResult } from '../../contract/vending';
import { baselineOf, blueprint } from '../support/baseline';
import { startTestEnv, type TestEnv } from '../support/env';
import { requestAccount, sandboxControl } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  // A region stays ENABLING for 30 minutes of AWS time (36 s here): long enough for all requests to meet.
  env = await startTestEnv({ sandbox: { timeScale: 50, regionEnableDurationMs: 30 * 60_000 } });
});
afterAll(async () => env?.stop());

test('20 accounts x 3 regions and 1 x 8: never over 50 in flight org-wide or 6 per account; nothing refused', async () => {
  const three = baselineOf(env, blueprint('three-regions', { regions: { enable: ['eu-south-1', 'me-south-1', 'ap-east-1'] } }), { regionsDeadlineMs: 600_000, regionSlotWaitMs: 60_000 });
  const eight = baselineOf(
    env,
    blueprint('eight-regions', { regions: { enable: ['af-south-1', 'ap-east-1', 'eu-south-1', 'me-south-1', 'ap-south-2', 'eu-central-2', 'il-central-1', 'mx-central-1'] } }),
    { regionsDeadlineMs: 600_000, regionSlotWaitMs: 60_000 },
  );
  const handles = await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => requestAccount(env, { email: `regions-${i}@example.com` }, { baseline: three })),
    requestAccount(env, { email: 'regions-eight@example.com' }, { baseline: eight }),
  ]);
  const results: VendingResult[] = await Promise.all(handles.map((h) => h.result()));
  for (const r of results) expect(r.baseline?.steps).toMatchObject([{ step: 'regions', state: 'done', runs: 1 }]);

  const { baseline } = (await sandboxControl(env, 'GET', '/state')).body;
  expect(baseline.regionEnables).toBe(20 * 3 + 8);
  expect(baseline.regionChangesRefused).toBe(0);
  expect(baseline.peakRegionChangesOrganization).toBeLessThanOrEqual(50);
  expect(baseline.peakRegionChangesAccount).toBeLessThanOrEqual(6);
  // The caps were reached, not merely unneeded: 68 changes for 50 places, 8 regions for 6.
  expect(baseline.peakRegionChangesOrganization).toBe(50);
  expect(baseline.peakRegionChangesAccount).toBe(6);
  const eightAccount = results.at(-1)!.accountId!;
  const regions = (await sandboxControl(env, 'GET', `/accounts/${eightAccount}/baseline`)).body.regions as Record<string, string>;
  expect(Object.values(regions).filter((s) => s === 'ENABLED')).toHaveLength(8);
  // The coordinator's own peaks agree.
  const coordinator = await env.client.workflow.getHandle(regionSlotsWorkflowId(env.taskQueue)).query(regionSlotsQuery);
  expect(coordinator.peakOrganization).toBe(50);
  expect(coordinator.peakAccount).toBe(6);
}, 300_000);
