/**
 * Starting a vending request: the policy resolved completely here, where the request is accepted; the workflow id
 * derived from the email; an Idempotency-Key reserved by a key-holding workflow (strongly consistent, no store of
 * our own); the fingerprint and the trusted decision keys in the memo.
 */
import { requestIdForEmail } from '../../contract/request-id';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { type AccountRequest } from '../../contract/request';
import {
  IDEMPOTENCY_KEY_MEMO_KEY,
  IDEMPOTENCY_KEY_WORKFLOW_TYPE,
  idempotencyKeyWorkflowId,
  type HoldIdempotencyKeyInput,
  type IdempotencyKeyReservation,
} from '../../contract/idempotency-key';
import { AccountEmailKey, RequesterKey, VendingStageKey } from '../../contract/search-attributes';
import { type VendingStage } from '../../contract/stages';
import { resolvePolicy } from '../../contract/policy-defaults';
import { type PolicyOverrides } from '../../contract/policy';
import { type BaselineInput } from '../../contract/baseline';
import { VENDING_INPUT_VERSION, VENDING_WORKFLOW_TYPE, type Role, type VendingInput } from '../../contract/vending';

import { type VendingClient } from './vending-client';

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

export async function startVending(client: VendingClient, input: StartVendingInput): Promise<StartVendingOutcome> {
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
        { key: AccountEmailKey, value: client.emailSearchValue(input.request.email) },
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
