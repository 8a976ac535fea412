/**
 * The root-window guardian's Schedule (contract/guardian.ts): created by every worker at start, or brought up to date
 * when it exists (another worker, an earlier start), so its interval follows the configuration. Overlapping passes
 * are skipped: a slow pass is never doubled.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { GUARDIAN_WORKFLOW_TYPE, guardianScheduleId, type GuardianConfig } from '../contract/guardian';

export async function ensureGuardianSchedule(client: Client, config: GuardianConfig): Promise<string> {
  const scheduleId = guardianScheduleId(config.taskQueue);
  const spec = { intervals: [{ every: config.intervalMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: GUARDIAN_WORKFLOW_TYPE,
    workflowId: `${config.taskQueue}.root-window-guardian-pass`,
    taskQueue: config.taskQueue,
    args: [config],
    staticSummary: 'Closes root windows whose run ended without closing them; reports orphaned accounts; re-audits',
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(config.intervalMs, 60_000) },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
  return scheduleId;
}
