/**
 * The clients' side of account closure: what the engine's records say about an account (its vending runs), start a
 * closure, read and list closures, send signed decisions and cancellations, and read a waiting closure's expected
 * turn from the closure coordinator. Temporal is the only store, as for vending requests (client/temporal.ts).
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import {
  cancelClosureUpdate,
  CLOSURE_INPUT_VERSION,
  CLOSURE_WORKFLOW_TYPE,
  closureCancellationAct,
  closureDecisionAct,
  closureIdForAccount,
  closureStatusQuery,
  decideClosureUpdate,
  type ClosureCancellationRecord,
  type ClosureDecision,
  type ClosureDecisionRecord,
  type ClosureInput,
  type ClosureStatus,
} from '../contract/closure';
import { type ClosurePolicyOverrides } from '../contract/closure-policy';
import { resolveClosurePolicy } from '../contract/closure-policy-defaults';
import { closureSlotsQuery, closureSlotsWorkflowId, type ExpectedTurn } from '../contract/closure-slots';
import { AccountIdKey, ClosureStageKey, RequesterKey } from '../contract/search-attributes';
import { type ClosureStage } from '../contract/stages';
import { VENDING_WORKFLOW_TYPE } from '../contract/vending';
import { type DecisionSigner } from './decision-signer';
import {
  DECISION_KEYS_MEMO_KEY,
  IDEMPOTENCY_MEMO_KEY,
  NoTrustedSigningKeyError,
  visibilityString,
  type Actor,
  type IdempotencyFingerprint,
} from './temporal';

// ---- what the engine's records say about an account -------------------------------------------------------------------

export interface AccountRecords {
  /** A vending run created the account (its AccountId search attribute names it). */
  vended: boolean;
  /** Who asked for the account: the vending run's Requester. */
  owner?: string;
  vendingRequestId?: string;
  /** A vending run of the account is still running (awaiting a decision, in its root window, ...). */
  vendingRunning: boolean;
}

/** The vending runs that name this account, from visibility (any state; the newest first). */
export async function accountRecords(client: Client, taskQueue: string, accountId: string): Promise<AccountRecords> {
  const query = [
    `WorkflowType = ${visibilityString(VENDING_WORKFLOW_TYPE)}`,
    `TaskQueue = ${visibilityString(taskQueue)}`,
    `${AccountIdKey.name} = ${visibilityString(accountId)}`,
  ].join(' AND ');
  const records: AccountRecords = { vended: false, vendingRunning: false };
  for await (const run of client.workflow.list({ query, pageSize: 20 })) {
    if (!records.vended) {
      records.vended = true;
      records.owner = run.typedSearchAttributes.get(RequesterKey);
      records.vendingRequestId = run.workflowId;
    }
    if (run.status.name === 'RUNNING') records.vendingRunning = true;
  }
  return records;
}

// ---- start ---------------------------------------------------------------------------------------------------------

export interface StartClosureInput {
  accountId: string;
  accountName?: string;
  reason: string;
  requester: string;
  requesterRoles: string[];
  owner?: string;
  vendingRequestId?: string;
  adopted: boolean;
  quarantine: ClosureInput['quarantine'];
  protectedOrganizationalUnitIds: string[];
  /** Overrides of today's defaults; resolved completely here, where the closure is accepted. */
  policy: ClosurePolicyOverrides;
  decisionKeys: Record<string, string>;
  taskQueue: string;
  fingerprint?: IdempotencyFingerprint;
}

export type StartClosureOutcome =
  | { started: true; id: string; runId: string }
  | { started: false; id: string; stage: ClosureStage; fingerprint?: IdempotencyFingerprint };

export async function startClosure(client: Client, input: StartClosureInput): Promise<StartClosureOutcome> {
  const id = closureIdForAccount(input.accountId);
  const args: ClosureInput[] = [
    {
      inputVersion: CLOSURE_INPUT_VERSION,
      accountId: input.accountId,
      ...(input.accountName ? { accountName: input.accountName } : {}),
      reason: input.reason,
      requester: input.requester,
      requesterRoles: input.requesterRoles,
      requestedAt: new Date().toISOString(),
      ...(input.owner ? { owner: input.owner } : {}),
      ...(input.vendingRequestId ? { vendingRequestId: input.vendingRequestId } : {}),
      adopted: input.adopted,
      quarantine: input.quarantine,
      protectedOrganizationalUnitIds: input.protectedOrganizationalUnitIds,
      // Every default applied now: the running closure never sees a default changed later.
      policy: resolveClosurePolicy(input.policy),
      decisionKeys: input.decisionKeys,
    },
  ];
  try {
    const handle = await client.workflow.start(CLOSURE_WORKFLOW_TYPE, {
      workflowId: id,
      taskQueue: input.taskQueue,
      args,
      // A closure that ended (rejected, cancelled, ...) may be asked for again; the API refuses one that closed the account.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: ClosureStageKey, value: 'preflight' },
        { key: AccountIdKey, value: input.accountId },
        { key: RequesterKey, value: input.requester },
      ],
      memo: {
        [DECISION_KEYS_MEMO_KEY]: Object.keys(input.decisionKeys),
        ...(input.fingerprint ? { [IDEMPOTENCY_MEMO_KEY]: input.fingerprint } : {}),
      },
      staticSummary: `Close AWS account ${input.accountId}${input.accountName ? ` (${input.accountName})` : ''} for ${input.requester}`,
    });
    return { started: true, id, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const facts = await describeClosure(client, id);
    return { started: false, id, stage: facts?.stage ?? 'preflight', fingerprint: facts?.fingerprint };
  }
}

// ---- read ----------------------------------------------------------------------------------------------------------

/** What authorization, refusals and signing need, from describe alone. */
export interface ClosureFacts {
  id: string;
  accountId?: string;
  requester?: string;
  stage: ClosureStage;
  running: boolean;
  runId: string;
  decisionKeyIds?: string[];
  fingerprint?: IdempotencyFingerprint;
}

/** The latest run of this closure id, or undefined when there is none. */
export async function describeClosure(client: Client, id: string): Promise<ClosureFacts | undefined> {
  let description;
  try {
    description = await client.workflow.getHandle(id).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  const attrs = description.typedSearchAttributes;
  const keyIds = description.memo?.[DECISION_KEYS_MEMO_KEY];
  const fingerprint = description.memo?.[IDEMPOTENCY_MEMO_KEY] as Partial<IdempotencyFingerprint> | undefined;
  return {
    id,
    accountId: attrs.get(AccountIdKey),
    requester: attrs.get(RequesterKey),
    stage: (attrs.get(ClosureStageKey) ?? 'preflight') as ClosureStage,
    running: description.status.name === 'RUNNING',
    runId: description.runId,
    decisionKeyIds: Array.isArray(keyIds) && keyIds.every((k) => typeof k === 'string') ? keyIds : undefined,
    fingerprint: typeof fingerprint?.key === 'string' && typeof fingerprint.body === 'string' ? { key: fingerprint.key, body: fingerprint.body } : undefined,
  };
}

/** Stages after which the account is closed (or closing): it cannot be asked to close again. */
export const ACCOUNT_CLOSED_STAGES: readonly ClosureStage[] = ['suspended', 'closed'];

export interface ClosureView {
  id: string;
  stage: ClosureStage;
  requester?: string;
  accountId?: string;
  status?: ClosureStatus;
  execution: string;
}

/** The closure's status (its query), or its search attributes when no worker answers; undefined when `mayRead` says no. */
export async function readClosure(
  handle: WorkflowHandle,
  client: Client,
  mayRead: (facts: { requester?: string; owner?: string }) => boolean,
): Promise<ClosureView | undefined> {
  const description = await handle.describe();
  const attrs = description.typedSearchAttributes;
  const fallback: ClosureView = {
    id: handle.workflowId,
    stage: (attrs.get(ClosureStageKey) ?? 'preflight') as ClosureStage,
    requester: attrs.get(RequesterKey),
    accountId: attrs.get(AccountIdKey),
    execution: description.status.name,
  };
  let status: ClosureStatus | undefined;
  try {
    status = await client.withDeadline(Date.now() + 5_000, () => handle.query(closureStatusQuery));
  } catch {
    status = undefined;
  }
  if (!mayRead({ requester: fallback.requester, owner: status?.owner })) return undefined;
  return status ? { ...fallback, stage: status.stage, status } : fallback;
}

/** A waiting closure's place in the coordinator's line and when its turn is expected; undefined when it is not waiting. */
export async function closureTurn(client: Client, taskQueue: string, id: string): Promise<ExpectedTurn | undefined> {
  try {
    const view = await client.withDeadline(Date.now() + 5_000, () => client.workflow.getHandle(closureSlotsWorkflowId(taskQueue)).query(closureSlotsQuery));
    return view.waiting.find((w) => w.requestId === id);
  } catch {
    return undefined;
  }
}

export interface ListClosuresInput {
  taskQueue: string;
  stage?: ClosureStage;
  requester?: string;
  accountId?: string;
  pageSize: number;
  pageToken?: Buffer;
}

export interface ClosureSummary {
  id: string;
  stage: ClosureStage;
  accountId?: string;
  requester?: string;
  execution: string;
  startedAt: string;
  closedAt?: string;
}

export async function listClosures(client: Client, input: ListClosuresInput): Promise<{ items: ClosureSummary[]; nextPageToken?: Buffer }> {
  const query = [
    `WorkflowType=${visibilityString(CLOSURE_WORKFLOW_TYPE)}`,
    `TaskQueue=${visibilityString(input.taskQueue)}`,
    ...(input.stage ? [`${ClosureStageKey.name}=${visibilityString(input.stage)}`] : []),
    ...(input.requester ? [`${RequesterKey.name}=${visibilityString(input.requester)}`] : []),
    ...(input.accountId ? [`${AccountIdKey.name}=${visibilityString(input.accountId)}`] : []),
  ].join(' AND ');
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query,
    pageSize: input.pageSize,
    nextPageToken: input.pageToken,
  });
  const items: ClosureSummary[] = [];
  for (const raw of response.executions ?? []) {
    const info = await executionInfoFromRaw(raw, client.workflow.options.loadedDataConverter, raw, client.options.namespace);
    const attrs = info.typedSearchAttributes;
    items.push({
      id: info.workflowId,
      stage: (attrs.get(ClosureStageKey) ?? 'preflight') as ClosureStage,
      accountId: attrs.get(AccountIdKey),
      requester: attrs.get(RequesterKey),
      execution: info.status.name,
      startedAt: info.startTime.toISOString(),
      closedAt: info.closeTime?.toISOString(),
    });
  }
  const token = response.nextPageToken;
  return { items, nextPageToken: token && token.length > 0 ? Buffer.from(token) : undefined };
}

// ---- decide, cancel ------------------------------------------------------------------------------------------------

/** Signs the decision for this run of the closure and sends it; the workflow's validator has the last word. */
export async function decideClosure(
  client: Client,
  signer: DecisionSigner,
  facts: Pick<ClosureFacts, 'id' | 'runId' | 'decisionKeyIds'>,
  actor: Actor,
  decision: { decision: ClosureDecision; reason: string },
): Promise<ClosureDecisionRecord> {
  const unsigned = { ...decision, decidedBy: actor.user, roles: [...actor.roles] };
  const signature = signer.sign(closureDecisionAct(facts.id, facts.runId, unsigned), facts.decisionKeyIds);
  if (!signature) throw new NoTrustedSigningKeyError(`the API holds none of the keys closure ${facts.id} trusts`);
  return client.workflow.getHandle(facts.id, facts.runId).executeUpdate(decideClosureUpdate, { args: [{ ...unsigned, ...signature }] });
}

/** Signs the cancellation and sends it: accepted until CloseAccount may be sent, refused (WrongStage) after. */
export async function cancelClosure(
  client: Client,
  signer: DecisionSigner,
  facts: Pick<ClosureFacts, 'id' | 'runId' | 'decisionKeyIds'>,
  actor: Actor,
  reason: string,
): Promise<ClosureCancellationRecord> {
  const unsigned = { reason, cancelledBy: actor.user, roles: [...actor.roles] };
  const signature = signer.sign(closureCancellationAct(facts.id, facts.runId, unsigned), facts.decisionKeyIds);
  if (!signature) throw new NoTrustedSigningKeyError(`the API holds none of the keys closure ${facts.id} trusts`);
  return client.workflow.getHandle(facts.id, facts.runId).executeUpdate(cancelClosureUpdate, { args: [{ ...unsigned, ...signature }] });
}
