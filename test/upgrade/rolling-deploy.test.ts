/**
 * A deploy meets requests in flight. Build A starts four requests and stops with them mid-way: one waiting for a
 * decision, one inside its root window, one creating its account (holding the only creation slot), one queued for
 * that slot. Build B, which carries a patched change, takes over; all four finish correctly, each through B's change.
 * (Patch-only deploys: README, "Changing workflow code".)
 */
import { type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { creationSlotsQuery, creationSlotsWorkflowId } from '../../contract/creation-slots';
import { statusQuery, type VendingResult } from '../../contract/vending';
import { bundleVariant } from '../support/bundle-variant';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { BOB, decideAs, requestAccount, rootCredentials, sandboxControl, waitForStage } from '../support/vending';

const BUILD_B_PATCH = 'test-build-b-finish-note';
let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ sandbox: { timeScale: 10, linkedAccountAccess: false }, maxCreationsInFlight: 1 });
});
afterAll(async () => env?.stop());

test('requests started on build A (awaiting a decision, in the root window, creating, queued for a slot) finish on build B', async () => {
  const buildB = await bundleVariant([
    {
      file: 'workflows/vending.ts',
      replacements: [
        {
          from: '  run.enter(stage, note);\n  if (stage === \'cancelled\') {',
          to: `  if (patched('${BUILD_B_PATCH}')) run.note('finished by build B');\n  run.enter(stage, note);\n  if (stage === 'cancelled') {`,
        },
      ],
    },
  ]);

  // On build A: one request waits for its decision, one is inside its root window.
  const deciding = await requestAccount(env, { email: 'deploy-deciding@example.com' });
  await waitForStage(deciding, 'awaiting-decision');
  const windowed = await requestAccount(env, { email: 'deploy-window@example.com' });
  const { accountId: windowAccount } = await waitForStage(windowed, 'awaiting-decision');
  await decideAs(env, windowed, BOB, 'approve-remediation', 'before the deploy');
  await waitForStage(windowed, 'root-window-open');
  await waitFor('password recovery allowed', async () => ((await rootCredentials(env, windowAccount!)).passwordPresent ? true : undefined));
  // One creates its account, holding the organization's only slot; one waits for that slot.
  await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 200_000, linkedAccountAccess: true });
  const creating = await requestAccount(env, { email: 'deploy-creating@example.com' });
  await waitFor('a creation in progress', async () => ((await creating.query(statusQuery)).createAccountRequestId ? true : undefined));
  const queued = await requestAccount(env, { email: 'deploy-queued@example.com' });
  const coordinator = env.client.workflow.getHandle(creationSlotsWorkflowId(env.taskQueue));
  await waitFor('a request queued for the slot', async () => ((await coordinator.query(creationSlotsQuery)).waiting.includes(queued.workflowId) ? true : undefined));

  // The deploy: A stops, B starts.
  await env.stopWorker();
  await env.startWorker(buildB);
  await sandboxControl(env, 'POST', '/settings', { createAccountDurationMs: 3_000 });

  await decideAs(env, deciding, BOB, 'attest-enabled', 'after the deploy: checked in the console');
  await sandboxControl(env, 'POST', `/accounts/${windowAccount}/root-console/billing-access`, { enabled: true });
  const results: VendingResult[] = await Promise.all([deciding, windowed, creating, queued].map((h) => h.result()));
  expect(results.map((r) => r.stage)).toEqual(['completed', 'completed', 'completed', 'completed']);
  expect(results[1].rootWindow).toMatchObject({ closedBecause: 'cloudtrail-evidence', postAudit: { passwordPresent: false } });
  for (const [i, r] of results.entries()) {
    expect(r.accountId).toMatch(/^\d{12}$/);
    // Build B finished each one, through its patched change (the marker is in the history).
    expect(r.timeline.some((t) => t.note === 'finished by build B')).toBe(true);
    expect(await patchMarkers([deciding, windowed, creating, queued][i])).toContain(BUILD_B_PATCH);
  }
}, 120_000);

async function patchMarkers(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events
    .filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_MARKER_RECORDED)
    .map((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return data ? (JSON.parse(Buffer.from(data).toString()) as { id: string }).id : '';
    });
}
