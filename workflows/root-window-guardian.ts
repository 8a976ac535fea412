/**
 * The root-window guardian (contract/guardian.ts): each pass finds vending runs that ended without their own cleanup
 * and gives every finding a run of its own with a deterministic id, so that it is handled once, carries the SafetyAlarm
 * and AccountId search attributes operators filter on, and outlives the pass:
 *  - a window that may be open: close it (delete the root credentials), audit, alarm operators;
 *  - an account left by a run that ended while creating it: alarm operators (the account is kept: a person decides);
 *  - a recently closed window: re-audit a few per pass; credentials found on one alarm operators.
 */
import {
  ApplicationFailure,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { VendingActivities } from '../activities/types';
import {
  CLOSE_ABANDONED_WINDOW_WORKFLOW_TYPE,
  guardianRunIds,
  REAUDIT_ALARM_WORKFLOW_TYPE,
  REPORT_ORPHAN_WORKFLOW_TYPE,
  type AbandonedWindow,
  type GuardianConfig,
  type OrphanAccount,
} from '../contract/guardian';
import { NonRetryable, RequestFailure } from '../contract/failures';
import { type SafetyAlarm } from '../contract/notifications';
import { AccountIdKey, SafetyAlarmKey } from '../contract/search-attributes';
import { remainingRootCredentials } from '../contract/vending';

const acts = proxyActivities<VendingActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '2 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [NonRetryable.AccessDenied, NonRetryable.EmailInUseInOrganization] },
  summary: 'Root-window guardian',
});
const notifier = proxyActivities<Pick<VendingActivities, 'notify'>>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
  summary: 'Alarm operators',
});

/** One guardian pass (started by the schedule). */
export async function guardRootWindows(config: GuardianConfig): Promise<{ windows: number; orphans: number; reaudited: number }> {
  const pass = Math.floor(Date.now() / config.intervalMs);
  const work = await acts.findGuardianWork({ ...config, pass });
  const alarmed = (type: string, workflowId: string, args: unknown[], accountId: string, alarm: SafetyAlarm) =>
    startChild(type, {
      workflowId,
      args,
      taskQueue: config.taskQueue,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: SafetyAlarmKey, value: alarm },
        { key: AccountIdKey, value: accountId },
      ],
      staticSummary: `Guardian finding: ${alarm} on account ${accountId}`,
    }).catch((err) => {
      // Another pass got there first: the finding is handled once.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });

  for (const window of work.abandonedWindows) {
    await alarmed(CLOSE_ABANDONED_WINDOW_WORKFLOW_TYPE, guardianRunIds.closeWindow(window), [window], window.accountId, 'root-window-abandoned');
  }
  let orphans = 0;
  for (const candidate of work.orphanCandidates) {
    let accountId = candidate.accountId;
    if (!accountId && candidate.email) {
      try {
        ({ accountId } = await acts.findOwnAccount({ requestId: candidate.requestId, email: candidate.email, requester: candidate.requester }));
      } catch (err) {
        if (isCancellation(err)) throw err;
        continue; // the email belongs to another request's account: not this run's orphan
      }
    }
    if (!accountId) continue; // nothing was created (or not yet: the next pass looks again)
    const orphan: OrphanAccount = {
      requestId: candidate.requestId,
      runId: candidate.runId,
      execution: candidate.execution,
      stage: candidate.stage,
      requester: candidate.requester,
      accountId,
    };
    await alarmed(REPORT_ORPHAN_WORKFLOW_TYPE, guardianRunIds.orphan(orphan), [orphan], accountId, 'orphan-account');
    orphans++;
  }
  const day = new Date().toISOString().slice(0, 10);
  for (const { requestId, accountId } of work.reaudit) {
    const audit = await acts.auditRootCredentials(accountId);
    const remaining = remainingRootCredentials(audit);
    if (remaining.length === 0) continue;
    const message = `ROOT CREDENTIALS FOUND on account ${accountId} after its root window closed (request ${requestId}): ${remaining.join(', ')}`;
    await alarmed(REAUDIT_ALARM_WORKFLOW_TYPE, guardianRunIds.reauditAlarm(accountId, day), [{ requestId, accountId, message }], accountId, 'root-credentials-remain');
  }
  return { windows: work.abandonedWindows.length, orphans, reaudited: work.reaudit.length };
}

/** Closes a window its run left open: delete every root credential, audit, and tell operators what was found. */
export async function closeAbandonedRootWindow(window: AbandonedWindow): Promise<{ remaining: string[]; refused: string[] }> {
  const deletion = await acts.deleteRootCredentials(window.accountId);
  const audit = await acts.auditRootCredentials(window.accountId);
  const remaining = remainingRootCredentials(audit);
  const closedClean = remaining.length === 0 && deletion.refused.length === 0;
  if (!closedClean) upsertSearchAttributes([{ key: SafetyAlarmKey, value: 'root-credentials-remain' }]);
  await alarm(closedClean ? 'root-window-abandoned' : 'root-credentials-remain', window.requestId, window.accountId,
    `request ${window.requestId} run ${window.runId} ended (${window.execution}) while its root window was ${window.stage} on account ${window.accountId}; ` +
      (closedClean
        ? `the guardian deleted ${deletion.deleted.length ? deletion.deleted.join(', ') : 'no'} root credentials and the audit found none left`
        : `ROOT CREDENTIALS REMAIN: ${remaining.join(', ') || 'none found'}${deletion.refused.length ? `; AWS refused: ${deletion.refused.join('; ')}` : ''}`));
  if (!closedClean) throw ApplicationFailure.nonRetryable(`root credentials remain on account ${window.accountId}`, RequestFailure.RootCredentialsRemain);
  return { remaining, refused: deletion.refused };
}

/** An account no request knows: operators decide (adopt it by requesting the email again as its requester, or close it). */
export async function reportOrphanAccount(orphan: OrphanAccount): Promise<void> {
  await alarm('orphan-account', orphan.requestId, orphan.accountId,
    `account ${orphan.accountId} was created for request ${orphan.requestId}, whose run ended (${orphan.execution}) at ${orphan.stage}: ` +
      `no request owns it now; ${orphan.requester} may request the same email again to adopt it, or an operator closes it`);
}

/** A re-audit found root credentials on an account whose window had closed. */
export async function raiseRootCredentialsAlarm(finding: { requestId: string; accountId: string; message: string }): Promise<void> {
  await alarm('root-credentials-remain', finding.requestId, finding.accountId, finding.message);
}

async function alarm(kind: SafetyAlarm, requestId: string, accountId: string, message: string): Promise<void> {
  await notifier.notify({ kind, severity: 'critical', audience: 'operators', requestId, accountName: `(guardian: ${workflowInfo().workflowType})`, accountId, message });
}
