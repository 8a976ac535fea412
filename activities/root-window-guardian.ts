/**
 * What the root-window guardian (workflows/root-window-guardian.ts) looks at: vending runs that ended without their
 * own cleanup, found through Temporal's visibility (search attributes), and the accounts they may have left behind.
 * A run whose workflow id has a newer live run is left to that run (a reset continues the request; the new run
 * closes its own window and adopts its own account).
 */
import { type Client, type WorkflowExecutionDescription, type WorkflowExecutionInfo } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { z } from 'zod';
import {
  guardianRunIds,
  type AbandonedWindow,
  type GuardianConfig,
  type GuardianFindings,
  type OrphanCandidate,
} from '../contract/guardian';
import { AccountIdKey, RequesterKey, ROOT_WINDOW_MAY_BE_OPEN, RootWindowKey, VendingStageKey } from '../contract/search-attributes';
import { isTerminalStage } from '../contract/stages';
import { VENDING_WORKFLOW_TYPE } from '../contract/vending';

/** Stages in which a root window may be open (the stage names of every release). */
const WINDOW_STAGES = ['opening-root-window', 'root-window-open', 'closing-root-window'];
/** The most runs one guardian pass reads per query; the rest wait for the next pass. */
const MAX_SCANNED = 500;

export interface GuardianDependencies {
  /** A Temporal client of the namespace the worker serves, with the worker's data converter (to read run inputs). */
  client: Client;
  now?: () => Date;
}

/** The part of a vending run's input the orphan check needs: who asked for which email. */
const RunInputSchema = z.looseObject({ request: z.looseObject({ email: z.string() }), requester: z.string() });

export function createGuardianActivities(deps: GuardianDependencies | undefined) {
  const now = deps?.now ?? (() => new Date());
  return {
    /**
     * The guardian's work for this pass: windows to close, orphans to report, and a slice of recently closed windows
     * to re-audit (a different slice each pass: `pass` rotates through them).
     */
    async findGuardianWork(input: GuardianConfig & { pass: number }): Promise<GuardianFindings> {
      if (!deps) return { abandonedWindows: [], orphanCandidates: [], reaudit: [] };
      const { client } = deps;
      const since = new Date(now().getTime() - input.lookbackDays * 86_400_000).toISOString();
      const base = [
        `WorkflowType = ${literal(VENDING_WORKFLOW_TYPE)}`,
        `TaskQueue = ${literal(input.taskQueue)}`,
        `ExecutionStatus != "Running"`,
        `CloseTime > ${literal(since)}`,
      ].join(' AND ');

      const liveRuns = new Map<string, Promise<WorkflowExecutionDescription | undefined>>();
      const latestRun = (workflowId: string) => {
        if (!liveRuns.has(workflowId)) liveRuns.set(workflowId, client.workflow.getHandle(workflowId).describe().catch(() => undefined));
        return liveRuns.get(workflowId)!;
      };
      const exists = async (workflowId: string) => (await client.workflow.getHandle(workflowId).describe().catch(() => undefined)) !== undefined;

      const abandonedWindows: AbandonedWindow[] = [];
      const mayBeOpen = `(${RootWindowKey.name} IN (${ROOT_WINDOW_MAY_BE_OPEN.map(literal).join(', ')}) OR ${VendingStageKey.name} IN (${WINDOW_STAGES.map(literal).join(', ')}))`;
      for (const run of await list(client, `${base} AND ${mayBeOpen}`)) {
        const accountId = run.typedSearchAttributes.get(AccountIdKey);
        if (!accountId) continue;
        // A newer live run of the request (after a Reset) holding a window of its own on this account closes it itself.
        const latest = await latestRun(run.workflowId);
        if (latest && latest.runId !== run.runId && latest.status.name === 'RUNNING' && holdsWindow(latest)) continue;
        const finding = { requestId: run.workflowId, runId: run.runId, accountId, execution: run.status.name, stage: stageOf(run) };
        if (await exists(guardianRunIds.closeWindow(finding))) continue;
        abandonedWindows.push(finding);
      }

      const orphanCandidates: OrphanCandidate[] = [];
      const ended = `${base} AND ExecutionStatus IN ("Terminated", "TimedOut", "Canceled")`;
      for (const run of await list(client, ended)) {
        const stage = run.typedSearchAttributes.get(VendingStageKey) ?? 'preflight';
        const accountId = run.typedSearchAttributes.get(AccountIdKey);
        // A run that reached an end handed its account to its requester (cancelled: with what to do with it); a
        // cancelled run without an account never created one, unless it was cancelled by code older than that rule.
        if (isTerminalStage(stage) || stage === 'preflight') continue;
        if (run.status.name === 'CANCELLED' && (accountId || stage !== 'creating')) continue;
        const latest = await latestRun(run.workflowId);
        if (latest && latest.runId !== run.runId) {
          if (latest.status.name === 'RUNNING') continue; // the request was asked for again: that run reconciles
          const latestAccount = latest.typedSearchAttributes.get(AccountIdKey);
          if (latestAccount && (!accountId || latestAccount === accountId)) continue; // adopted by the newer run
        }
        const ref = { requestId: run.workflowId, runId: run.runId };
        if (await exists(guardianRunIds.orphan(ref))) continue;
        const requester = run.typedSearchAttributes.get(RequesterKey);
        if (accountId && requester) {
          orphanCandidates.push({ ...ref, execution: run.status.name, stage, requester, accountId });
          continue;
        }
        const runInput = await inputOf(client, run.workflowId, run.runId);
        if (!runInput) continue;
        orphanCandidates.push({ ...ref, execution: run.status.name, stage, requester: runInput.requester, accountId, email: runInput.request.email });
      }

      const closed = await list(client, `${base} AND ${RootWindowKey.name} IN ("closed", "credentials-remain")`);
      const candidates = closed
        .map((run) => ({ requestId: run.workflowId, accountId: run.typedSearchAttributes.get(AccountIdKey) }))
        .filter((c): c is { requestId: string; accountId: string } => Boolean(c.accountId))
        .sort((a, b) => a.accountId.localeCompare(b.accountId));
      const reaudit: GuardianFindings['reaudit'] = [];
      for (let i = 0; i < Math.min(input.reauditsPerRun, candidates.length); i++) {
        reaudit.push(candidates[(input.pass * input.reauditsPerRun + i) % candidates.length]);
      }
      return { abandonedWindows, orphanCandidates, reaudit };
    },
  };
}

async function list(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of client.workflow.list({ query, pageSize: 100 })) {
    runs.push(run);
    if (runs.length >= MAX_SCANNED) break;
  }
  return runs;
}

function holdsWindow(run: WorkflowExecutionDescription): boolean {
  const state = run.typedSearchAttributes.get(RootWindowKey);
  const stage = run.typedSearchAttributes.get(VendingStageKey);
  return (state !== undefined && (ROOT_WINDOW_MAY_BE_OPEN as readonly string[]).includes(state)) || (stage !== undefined && WINDOW_STAGES.includes(stage));
}

function stageOf(run: WorkflowExecutionInfo): string {
  return run.typedSearchAttributes.get(RootWindowKey) ?? run.typedSearchAttributes.get(VendingStageKey) ?? 'unknown';
}

/** The run's input (its first event), decoded with the client's data converter; undefined when unreadable. */
async function inputOf(client: Client, workflowId: string, runId: string): Promise<z.infer<typeof RunInputSchema> | undefined> {
  try {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    const raw = await decodeFromPayloadsAtIndex(client.options.loadedDataConverter, 0, payloads);
    const parsed = RunInputSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A visibility string literal; our own values only (ids, task queue names, ISO times), refused rather than escaped. */
function literal(value: string): string {
  if (!/^[\w.:@+\-/ ]{1,256}$/.test(value)) throw new Error(`refusing to put ${JSON.stringify(value)} into a visibility query`);
  return `"${value}"`;
}
