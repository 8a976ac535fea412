/**
 * The clients' side of the workflow: start a vending request, read and list requests, send decisions, cancel.
 * The API goes through here (the CLI talks to the API); Temporal is the only store: a key-holding workflow reserves
 * each Idempotency-Key, the vending workflow's memo holds the idempotency fingerprint, visibility (search attributes)
 * answers the lists, the `status` query the details.
 */
import {
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { dataProtection, plainEmailSearchValue, type DataProtection } from '../encryption';
import { clientConnectionOptions, type TemporalConnection } from '../worker/temporal-connection';
import { type AccountRequest } from '../contract/request';
import {
  IDEMPOTENCY_KEY_MEMO_KEY,
  IDEMPOTENCY_KEY_WORKFLOW_TYPE,
  idempotencyKeyWorkflowId,
  type HoldIdempotencyKeyInput,
  type IdempotencyKeyReservation,
} from '../contract/idempotency-key';
import { requestIdForEmail } from '../contract/request-id';
import {
  CLOSE_ABANDONED_WINDOW_WORKFLOW_TYPE,
  guardianRunIds,
  REAUDIT_ALARM_WORKFLOW_TYPE,
  REPORT_ORPHAN_WORKFLOW_TYPE,
} from '../contract/guardian';
import {
  AccountEmailKey,
  AccountIdKey,
  SafetyAlarmKey,
  BillingAccessVerdictKey,
  RequesterKey,
  VendingStageKey,
} from '../contract/search-attributes';
import { type VendingStage } from '../contract/stages';
import { resolvePolicy } from '../contract/policy-defaults';
import { type PolicyOverrides } from '../contract/policy';
import {
  confirmationAct,
  confirmRemediationUpdate,
  decideUpdate,
  decisionAct,
  statusQuery,
  VENDING_INPUT_VERSION,
  VENDING_WORKFLOW_TYPE,
  type Decision,
  type DecisionRecord,
  type Role,
  type RootWindowRecord,
  type VendingInput,
  type VendingStatus,
} from '../contract/vending';
import { type BaselineInput } from '../contract/baseline';
import { type DecisionSigner } from './decision-signer';

/**
 * What the memo remembers of an Idempotency-Key: hashes only (of requester + key, and of the canonical body), so
 * neither the key nor the body is repeated in the memo the Web UI shows.
 */
export interface IdempotencyFingerprint {
  key: string;
  body: string;
}
export const IDEMPOTENCY_MEMO_KEY = 'idempotency';
/** The ids of the decision keys a request trusts (its input holds the public keys): the API signs with one of them. */
export const DECISION_KEYS_MEMO_KEY = 'decisionKeyIds';

function readFingerprint(memo: Record<string, unknown> | undefined): IdempotencyFingerprint | undefined {
  const value = memo?.[IDEMPOTENCY_MEMO_KEY] as Partial<IdempotencyFingerprint> | undefined;
  return typeof value?.key === 'string' && typeof value.body === 'string' ? { key: value.key, body: value.body } : undefined;
}

// ---- connection ----------------------------------------------------------------------------------------------------

/**
 * A lazy connection with short gRPC retries: the API must start and stay up while Temporal is down (answering 503),
 * and a caller waiting on the API is better served by a quick 503/429 it can retry than by the SDK's default ~20 s of
 * internal retries. `target` is a validated connection config (plain, mTLS or API key; worker/temporal-connection.ts)
 * or, for tests, a bare address.
 */
export function connectTemporalLazily(
  target: string | TemporalConnection,
  extraInterceptors: Parameters<typeof Connection.lazy>[0] = {},
): Connection {
  const options = typeof target === 'string' ? { address: target } : clientConnectionOptions(target);
  return Connection.lazy({
    ...options,
    connectTimeout: '3s',
    ...extraInterceptors,
    interceptors: [
      ...(extraInterceptors.interceptors ?? []),
      makeGrpcRetryInterceptor(
        defaultGrpcRetryOptions({ maxAttempts: 3, initialIntervalMs: () => 100, maxIntervalMs: () => 1_000 }),
      ),
    ],
  });
}

/**
 * What a client needs besides its connection to read and write vending workflows: the payload codec (same key ring
 * as the worker) and how the AccountEmail search attribute is computed. Kept per Client, so every function here
 * that takes a Client (start, list by email) uses the right value without each caller passing it around.
 */
const protections = new WeakMap<Client, DataProtection>();

/** A Temporal client with the data protection in place (codec + AccountEmail hashing). */
export function createVendingClient(connection: Connection, namespace: string, protection: DataProtection = dataProtection(undefined)): Client {
  const client = new Client({ connection, namespace, ...(protection.dataConverter ? { dataConverter: protection.dataConverter } : {}) });
  protections.set(client, protection);
  return client;
}

/** The AccountEmail search attribute's value for an email with this client's protection (plain when none is set). */
export function accountEmailSearchValue(client: Client, email: string): string {
  return (protections.get(client)?.emailSearchValue ?? plainEmailSearchValue)(email);
}

/** Is Temporal answering? For /readyz. */
export async function temporalReachable(client: Client, timeoutMs = 2_000): Promise<boolean> {
  try {
    await client.withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}

// ---- start ---------------------------------------------------------------------------------------------------------

export interface StartVendingInput {
  request: AccountRequest;
  requester: string;
  requesterRoles: Role[];
  /** Overrides of today's defaults; resolved completely here, where the request is accepted. */
  policy: PolicyOverrides;
  /** The public keys (hex, by key id) whose signatures the request will accept on human decisions. */
  decisionKeys: Record<string, string>;
  taskQueue: string;
  /** Present when the caller sent an Idempotency-Key; kept in the workflow's memo. */
  fingerprint?: IdempotencyFingerprint;
  /** The day-1 baseline, resolved to its content (client/blueprint-catalog.ts); absent: none. */
  baseline?: BaselineInput;
}

export type StartVendingOutcome =
  | { started: true; id: string; runId: string }
  | { started: false; id: string; reason: 'email-already-requested'; stage: VendingStage; fingerprint?: IdempotencyFingerprint };

export async function startVending(client: Client, input: StartVendingInput): Promise<StartVendingOutcome> {
  const id = requestIdForEmail(input.request.email);
  const args: VendingInput[] = [
    {
      inputVersion: VENDING_INPUT_VERSION,
      request: input.request,
      requester: input.requester,
      requesterRoles: input.requesterRoles,
      requestedAt: new Date().toISOString(),
      // Every default applied now: the running request never sees a default changed later.
      policy: resolvePolicy(input.policy),
      decisionKeys: input.decisionKeys,
      ...(input.baseline ? { baseline: input.baseline } : {}),
    },
  ];
  try {
    const handle = await client.workflow.start(VENDING_WORKFLOW_TYPE, {
      workflowId: id,
      taskQueue: input.taskQueue,
      args,
      // A failed or cancelled request may be asked for again; a live or completed one may not.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: [
        // With encryption on, a keyed hash: search attributes are indexed in clear and no codec touches them.
        { key: AccountEmailKey, value: accountEmailSearchValue(client, input.request.email) },
        { key: RequesterKey, value: input.requester },
        { key: VendingStageKey, value: 'preflight' },
      ],
      memo: {
        [DECISION_KEYS_MEMO_KEY]: Object.keys(input.decisionKeys),
        ...(input.fingerprint ? { [IDEMPOTENCY_MEMO_KEY]: input.fingerprint } : {}),
      },
      staticSummary: `Vend AWS account "${input.request.accountName}" into ${input.request.organizationalUnit} for ${input.requester}`,
    });
    return { started: true, id, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // The email already has a request: describe it so the caller can tell an idempotent repeat from a conflict.
    const existing = await client.workflow.getHandle(id).describe();
    return {
      started: false,
      id,
      reason: 'email-already-requested',
      stage: (existing.typedSearchAttributes.get(VendingStageKey) ?? 'preflight') as VendingStage,
      fingerprint: readFingerprint(existing.memo),
    };
  }
}

export type ReservationOutcome = { reserved: true } | { reserved: false; reservation: IdempotencyKeyReservation };

/**
 * Reserves an Idempotency-Key for this body (contract/idempotency-key.ts): exactly one of any number of concurrent
 * callers gets `reserved: true`; every other one gets what the key was reserved for. Strongly consistent (workflow-id
 * uniqueness), unlike visibility. The key stays taken for the window, also when the request it names was refused.
 */
export async function reserveIdempotencyKey(
  client: Client,
  opts: { taskQueue: string; fingerprint: IdempotencyFingerprint; requestId: string; windowMs: number },
): Promise<ReservationOutcome> {
  const workflowId = idempotencyKeyWorkflowId(opts.taskQueue, opts.fingerprint.key);
  const reservation: IdempotencyKeyReservation = { body: opts.fingerprint.body, requestId: opts.requestId };
  const input: HoldIdempotencyKeyInput = { windowMs: opts.windowMs };
  try {
    await client.workflow.start(IDEMPOTENCY_KEY_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [input],
      memo: { [IDEMPOTENCY_KEY_MEMO_KEY]: reservation },
      // Once the window has passed (the workflow ended), the key is free again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      // Released by the server even when no worker runs the timer; the hour covers a worker that starts late.
      workflowExecutionTimeout: opts.windowMs + 3_600_000,
      staticSummary: 'Holds an Idempotency-Key of the request API for its window',
    });
    return { reserved: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const existing = await client.workflow.getHandle(workflowId).describe();
  const held = existing.memo?.[IDEMPOTENCY_KEY_MEMO_KEY] as Partial<IdempotencyKeyReservation> | undefined;
  if (typeof held?.body !== 'string' || typeof held.requestId !== 'string') {
    throw new Error(`idempotency-key reservation ${workflowId} has no reservation in its memo`);
  }
  return { reserved: false, reservation: { body: held.body, requestId: held.requestId } };
}

/** The request with this id, if there is one: its stage and the fingerprint it was started with. */
export async function findRequest(
  client: Client,
  id: string,
): Promise<{ stage: VendingStage; fingerprint?: IdempotencyFingerprint } | undefined> {
  try {
    const existing = await client.workflow.getHandle(id).describe();
    return { stage: (existing.typedSearchAttributes.get(VendingStageKey) ?? 'preflight') as VendingStage, fingerprint: readFingerprint(existing.memo) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

// ---- read ----------------------------------------------------------------------------------------------------------

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

/** A guardian finding about a request (contract/guardian.ts): what it found, on which account, and how it went. */
export interface GuardianFinding {
  alarm: string;
  accountId?: string;
  workflowId: string;
  /** The cleanup run's own state: COMPLETED (handled), FAILED (credentials remain), RUNNING. */
  execution: string;
  at: string;
}

/**
 * What the root-window guardian found about this request: windows its runs left open, the account a terminated run
 * left behind, credentials found by a re-audit. Runs of their own (SafetyAlarm search attribute), so they are found
 * by their deterministic ids and the account.
 */
export async function guardianFindings(client: Client, requestId: string, accountId?: string): Promise<GuardianFinding[]> {
  const types = [CLOSE_ABANDONED_WINDOW_WORKFLOW_TYPE, REPORT_ORPHAN_WORKFLOW_TYPE, REAUDIT_ALARM_WORKFLOW_TYPE].map(visibilityString).join(', ');
  const mine = [
    `WorkflowId STARTS_WITH ${visibilityString(guardianRunIds.closeWindow({ requestId, runId: '' }))}`,
    `WorkflowId STARTS_WITH ${visibilityString(guardianRunIds.orphan({ requestId, runId: '' }))}`,
    ...(accountId ? [`${AccountIdKey.name} = ${visibilityString(accountId)}`] : []),
  ].join(' OR ');
  const findings: GuardianFinding[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowType IN (${types}) AND (${mine})`, pageSize: 50 })) {
    findings.push({
      alarm: run.typedSearchAttributes.get(SafetyAlarmKey) ?? 'unknown',
      accountId: run.typedSearchAttributes.get(AccountIdKey),
      workflowId: run.workflowId,
      execution: run.status.name,
      at: run.startTime.toISOString(),
    });
    if (findings.length >= 50) break;
  }
  return findings;
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
export async function listRequests(client: Client, input: ListRequestsInput): Promise<{ items: RequestSummary[]; nextPageToken?: Buffer }> {
  const query = [
    `WorkflowType=${visibilityString(VENDING_WORKFLOW_TYPE)}`,
    `TaskQueue=${visibilityString(input.taskQueue)}`,
    ...(input.stage ? [`VendingStage=${visibilityString(input.stage)}`] : []),
    ...(input.requester ? [`Requester=${visibilityString(input.requester)}`] : []),
    ...(input.email ? [`AccountEmail=${visibilityString(accountEmailSearchValue(client, input.email))}`] : []),
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

// ---- decide, confirm, cancel ---------------------------------------------------------------------------------------

/** The person behind a decision, as the API authenticated them. */
export interface Actor {
  user: string;
  roles: Role[];
}

/** Raised when the API's key ring holds no key the request trusts (it was started with keys since removed). */
export class NoTrustedSigningKeyError extends Error {}

/**
 * Signs the decision for this run of the request and sends it; the workflow's validator has the last word (the
 * signature, who may decide, and whether a decision is still open). Sent to the run the signature names: a run reset
 * in between refuses it as closed.
 */
export async function decide(
  client: Client,
  signer: DecisionSigner,
  facts: Pick<RequestFacts, 'runId' | 'decisionKeyIds'> & { id: string },
  actor: Actor,
  decision: { decision: Decision; reason: string },
): Promise<DecisionRecord> {
  const unsigned = { ...decision, decidedBy: actor.user, roles: actor.roles };
  const signature = signer.sign(decisionAct(facts.id, facts.runId, unsigned), facts.decisionKeyIds);
  if (!signature) throw new NoTrustedSigningKeyError(`the API holds none of the keys request ${facts.id} trusts`);
  return client.workflow.getHandle(facts.id, facts.runId).executeUpdate(decideUpdate, { args: [{ ...unsigned, ...signature }] });
}

export async function confirmRemediation(
  client: Client,
  signer: DecisionSigner,
  facts: Pick<RequestFacts, 'runId' | 'decisionKeyIds'> & { id: string },
  actor: Actor,
  note: string,
): Promise<RootWindowRecord> {
  const unsigned = { confirmedBy: actor.user, note, roles: actor.roles };
  const signature = signer.sign(confirmationAct(facts.id, facts.runId, unsigned), facts.decisionKeyIds);
  if (!signature) throw new NoTrustedSigningKeyError(`the API holds none of the keys request ${facts.id} trusts`);
  return client.workflow.getHandle(facts.id, facts.runId).executeUpdate(confirmRemediationUpdate, { args: [{ ...unsigned, ...signature }] });
}

/** Temporal cancellation: the workflow closes any root window, then ends at stage `cancelled`. */
export async function cancelRequest(client: Client, id: string): Promise<void> {
  await client.workflow.getHandle(id).cancel();
}
