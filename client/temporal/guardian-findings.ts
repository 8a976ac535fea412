/**
 * What the root-window guardian found about a request (contract/guardian.ts): windows its runs left open, the account
 * a terminated run left behind, credentials found by a re-audit. Each is a workflow run of its own (SafetyAlarm
 * search attribute), found by its deterministic id and the account.
 *
 * One visibility list serves every GET for a couple of seconds: visibility is the scarcest of Temporal's per-namespace
 * rates (a list per GET held the API to about ten reads a second), and guardian runs are few (they exist only when
 * something went wrong). When they are too many to keep, each read asks visibility for its own.
 */
import { type Client } from '@temporalio/client';
import {
  CLOSE_ABANDONED_WINDOW_WORKFLOW_TYPE,
  guardianRunIds,
  REAUDIT_ALARM_WORKFLOW_TYPE,
  REPORT_ORPHAN_WORKFLOW_TYPE,
} from '../../contract/guardian';
import { AccountIdKey, SafetyAlarmKey } from '../../contract/search-attributes';
import { visibilityString } from './read';

export interface GuardianFinding {
  alarm: string;
  accountId?: string;
  workflowId: string;
  /** The cleanup run's own state: COMPLETED (handled), FAILED (credentials remain), RUNNING. */
  execution: string;
  at: string;
}

const TYPES = [CLOSE_ABANDONED_WINDOW_WORKFLOW_TYPE, REPORT_ORPHAN_WORKFLOW_TYPE, REAUDIT_ALARM_WORKFLOW_TYPE].map(visibilityString).join(', ');
const PER_REQUEST_LIMIT = 50;

export class GuardianFindingsReader {
  private cached?: { at: number; findings: GuardianFinding[]; complete: boolean };
  private inFlight?: Promise<{ at: number; findings: GuardianFinding[]; complete: boolean }>;

  constructor(
    private readonly client: Client,
    private readonly ttlMs = 2_000,
    /** Guardian runs kept from one list; more than this and each read lists its own. */
    private readonly keepAtMost = 2_000,
  ) {}

  async forRequest(requestId: string, accountId?: string): Promise<GuardianFinding[]> {
    const all = await this.all();
    if (!all.complete) return this.list(`WorkflowType IN (${TYPES}) AND (${mine(requestId, accountId)})`, PER_REQUEST_LIMIT);
    const prefixes = [guardianRunIds.closeWindow({ requestId, runId: '' }), guardianRunIds.orphan({ requestId, runId: '' })];
    return all.findings
      .filter((f) => prefixes.some((p) => f.workflowId.startsWith(p)) || (accountId !== undefined && f.accountId === accountId))
      .slice(0, PER_REQUEST_LIMIT);
  }

  private async all(): Promise<{ findings: GuardianFinding[]; complete: boolean }> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached;
    this.inFlight ??= (async () => {
      const at = Date.now();
      const findings = await this.list(`WorkflowType IN (${TYPES})`, this.keepAtMost + 1);
      return { at, findings: findings.slice(0, this.keepAtMost), complete: findings.length <= this.keepAtMost };
    })().finally(() => (this.inFlight = undefined));
    this.cached = await this.inFlight;
    return this.cached;
  }

  private async list(query: string, limit: number): Promise<GuardianFinding[]> {
    const findings: GuardianFinding[] = [];
    for await (const run of this.client.workflow.list({ query, pageSize: Math.min(limit, 1_000) })) {
      findings.push({
        alarm: run.typedSearchAttributes.get(SafetyAlarmKey) ?? 'unknown',
        accountId: run.typedSearchAttributes.get(AccountIdKey),
        workflowId: run.workflowId,
        execution: run.status.name,
        at: run.startTime.toISOString(),
      });
      if (findings.length >= limit) break;
    }
    return findings;
  }
}

function mine(requestId: string, accountId?: string): string {
  return [
    `WorkflowId STARTS_WITH ${visibilityString(guardianRunIds.closeWindow({ requestId, runId: '' }))}`,
    `WorkflowId STARTS_WITH ${visibilityString(guardianRunIds.orphan({ requestId, runId: '' }))}`,
    ...(accountId ? [`${AccountIdKey.name} = ${visibilityString(accountId)}`] : []),
  ].join(' OR ');
}
