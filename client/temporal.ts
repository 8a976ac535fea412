/**
 * The clients' side of the workflow: start a vending request, read its status, send it decisions. Both the API and
 * the CLI go through here; Temporal is the only store.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { type AccountRequest } from '../contract/request';
import { requestIdForEmail } from '../contract/request-id';
import { AccountEmailKey, AccountIdKey, RequesterKey, VendingStageKey } from '../contract/search-attributes';
import { type VendingStage } from '../contract/stages';
import {
  statusQuery,
  VENDING_WORKFLOW_TYPE,
  type Role,
  type VendingInput,
  type VendingPolicy,
  type VendingStatus,
} from '../contract/vending';

export interface StartVendingInput {
  request: AccountRequest;
  requester: string;
  requesterRoles: Role[];
  policy: Partial<VendingPolicy>;
  taskQueue: string;
}

export type StartVendingOutcome =
  | { started: true; id: string; runId: string }
  | { started: false; id: string; reason: 'email-already-requested' };

export async function startVending(client: Client, input: StartVendingInput): Promise<StartVendingOutcome> {
  const id = requestIdForEmail(input.request.email);
  const args: VendingInput[] = [
    {
      request: input.request,
      requester: input.requester,
      requesterRoles: input.requesterRoles,
      requestedAt: new Date().toISOString(),
      policy: input.policy as VendingPolicy,
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
        { key: AccountEmailKey, value: input.request.email.toLowerCase() },
        { key: RequesterKey, value: input.requester },
        { key: VendingStageKey, value: 'preflight' },
      ],
      staticSummary: `Vend AWS account "${input.request.accountName}" into ${input.request.organizationalUnit} for ${input.requester}`,
    });
    return { started: true, id, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false, id, reason: 'email-already-requested' };
    throw err;
  }
}

export interface RequestView {
  id: string;
  stage: VendingStage;
  requester?: string;
  accountId?: string;
  status?: VendingStatus;
  /** Temporal's own view: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, ... */
  execution: string;
}

/** The request's status: the workflow's own `status` query, or its search attributes when no worker can answer. */
export async function readRequest(handle: WorkflowHandle): Promise<RequestView> {
  const description = await handle.describe();
  const attrs = description.typedSearchAttributes;
  const fallback: RequestView = {
    id: handle.workflowId,
    stage: (attrs.get(VendingStageKey) ?? 'preflight') as VendingStage,
    requester: attrs.get(RequesterKey),
    accountId: attrs.get(AccountIdKey),
    execution: description.status.name,
  };
  try {
    const status = await handle.query(statusQuery);
    return { ...fallback, stage: status.stage, requester: status.requester, accountId: status.accountId, status };
  } catch {
    return fallback;
  }
}
