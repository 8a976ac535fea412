/**
 * Reading requests: one request's status (its own query, or its search attributes when no worker answers), the facts
 * authorization and signing need (describe), and lists from visibility (what the guardian found: guardian-findings.ts).
 */
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { type Client, type WorkflowHandle } from '@temporalio/client';
import { AccountIdKey, BillingAccessVerdictKey, RequesterKey, VendingStageKey } from '../../contract/search-attributes';
import { type VendingStage } from '../../contract/stages';
import { statusQuery, VENDING_WORKFLOW_TYPE, type VendingStatus } from '../../contract/vending';

import { DECISION_KEYS_MEMO_KEY } from './start';
import { type VendingClient } from './vending-client';

export interface RequestView {
  id: string;
  stage: VendingStage;
  requester?: string;
  accountId?: string;
  status?: VendingStatus;
  /** Temporal's own view: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, ... */
  execution: string;
}

/**
 * The request's status: the workflow's own `status` query, or its search attributes when no worker can answer.
 * `mayRead` sees the requester first (from describe, before any query): when it says no, the answer is undefined.
 */
export async function readRequest(
  handle: WorkflowHandle,
  client?: Client,
  mayRead: (requester: string | undefined) => boolean = () => true,
): Promise<RequestView | undefined> {
  const description = await handle.describe();
  const attrs = description.typedSearchAttributes;
  if (!mayRead(attrs.get(RequesterKey))) return undefined;
  const fallback: RequestView = {
    id: handle.workflowId,
    stage: (attrs.get(VendingStageKey) ?? 'preflight') as VendingStage,
    requester: attrs.get(RequesterKey),
    accountId: attrs.get(AccountIdKey),
    execution: description.status.name,
  };
  try {
    // A query needs a worker; without one it would wait, so it gets a deadline and the search attributes answer.
    const query = () => handle.query(statusQuery);
    const status = client ? await client.withDeadline(Date.now() + 5_000, query) : await query();
    return { ...fallback, stage: status.stage, requester: status.requester, accountId: status.accountId, status };
  } catch {
    return fallback;
  }
}

/** What authorization and signing need, from describe alone: who asked, whether it runs, which run, which keys. */
export interface RequestFacts {
  requester?: string;
  stage: VendingStage;
  running: boolean;
  runId: string;
  /** Undefined for requests started before decisions were signed. */
  decisionKeyIds?: string[];
}

export async function describeRequest(client: Client, id: string): Promise<RequestFacts> {
  const description = await client.workflow.getHandle(id).describe();
  const keyIds = description.memo?.[DECISION_KEYS_MEMO_KEY];
  return {
    requester: description.typedSearchAttributes.get(RequesterKey),
    stage: (description.typedSearchAttributes.get(VendingStageKey) ?? 'preflight') as VendingStage,
    running: description.status.name === 'RUNNING',
    runId: description.runId,
    decisionKeyIds: Array.isArray(keyIds) && keyIds.every((k) => typeof k === 'string') ? keyIds : undefined,
  };
}

export interface ListRequestsInput {
  taskQueue: string;
  /** Already validated against the stage enum by the caller; quoted here again regardless. */
  stage?: VendingStage;
  requester?: string;
  /** Finds the request for this account email (through its AccountEmail value: the email or its keyed hash). */
  email?: string;
  pageSize: number;
  pageToken?: Buffer;
}

export interface RequestSummary {
  id: string;
  stage: VendingStage;
  requester?: string;
  accountId?: string;
  billingAccessVerdict?: string;
  execution: string;
  startedAt: string;
  closedAt?: string;
}

/** One page of requests from visibility, with Temporal's own page token (opaque to callers). */
export async function listRequests(client: VendingClient, input: ListRequestsInput): Promise<{ items: RequestSummary[]; nextPageToken?: Buffer }> {
  const query = [
    `WorkflowType=${visibilityString(VENDING_WORKFLOW_TYPE)}`,
    `TaskQueue=${visibilityString(input.taskQueue)}`,
    ...(input.stage ? [`VendingStage=${visibilityString(input.stage)}`] : []),
    ...(input.requester ? [`Requester=${visibilityString(input.requester)}`] : []),
    ...(input.email ? [`AccountEmail=${visibilityString(client.emailSearchValue(input.email))}`] : []),
  ].join(' AND ');
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query,
    pageSize: input.pageSize,
    nextPageToken: input.pageToken,
  });
  const converter = client.workflow.options.loadedDataConverter;
  const items: RequestSummary[] = [];
  for (const raw of response.executions ?? []) {
    const info = await executionInfoFromRaw(raw, converter, raw, client.options.namespace);
    const attrs = info.typedSearchAttributes;
    items.push({
      id: info.workflowId,
      stage: (attrs.get(VendingStageKey) ?? 'preflight') as VendingStage,
      requester: attrs.get(RequesterKey),
      accountId: attrs.get(AccountIdKey),
      billingAccessVerdict: attrs.get(BillingAccessVerdictKey),
      execution: info.status.name,
      startedAt: info.startTime.toISOString(),
      closedAt: info.closeTime?.toISOString(),
    });
  }
  const token = response.nextPageToken;
  return { items, nextPageToken: token && token.length > 0 ? Buffer.from(token) : undefined };
}

/**
 * A string literal for a visibility query. Callers validate their inputs with strict patterns first; this is the
 * second line: anything that could end the literal or escape from it is refused, never escaped.
 */
export function visibilityString(value: string): string {
  // The value is not repeated: it may be an email, and this message can reach a log.
  if (!/^[\w.:@+|\-/ ]{1,256}$/.test(value)) throw new Error('refusing a value with characters a visibility query cannot hold');
  return `"${value}"`;
}
