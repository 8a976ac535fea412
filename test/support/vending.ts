/** Helpers for tests that drive the vending workflow through the Temporal client (the API's own path). */
import { type WorkflowHandle } from '@temporalio/client';
import { confirmRemediation, decide, describeRequest, startVending, type Actor } from '../../client/temporal';
import { type BaselineInput } from '../../contract/baseline';
import { type PolicyOverrides } from '../../contract/policy';
import { type AccountRequest } from '../../contract/request';
import { type VendingStage } from '../../contract/stages';
import { statusQuery, type Decision, type Role, type VendingStatus } from '../../contract/vending';
import { type TestEnv } from './env';
import { waitFor } from './http';

export async function requestAccount(
  env: TestEnv,
  request: Partial<AccountRequest> & { email: string },
  opts: { requester?: string; roles?: Role[]; policy?: PolicyOverrides; baseline?: BaselineInput } = {},
): Promise<WorkflowHandle> {
  const outcome = await startVending(env.client, {
    request: { accountName: request.email.split('@')[0], organizationalUnit: 'Workloads', ...request },
    requester: opts.requester ?? 'alice',
    requesterRoles: opts.roles ?? ['requester'],
    policy: { ...env.policy, ...opts.policy },
    decisionKeys: env.signer.publicKeys(),
    taskQueue: env.taskQueue,
    baseline: opts.baseline,
  });
  if (!outcome.started) throw new Error(`not started: email-already-requested (${outcome.id} is at ${outcome.stage})`);
  return env.client.workflow.getHandle(outcome.id);
}

export async function waitForStage(handle: WorkflowHandle, stage: VendingStage, timeoutMs = 90_000): Promise<VendingStatus> {
  let last: VendingStatus | undefined;
  return waitFor(
    `stage ${stage}`,
    async () => {
      last = await handle.query(statusQuery);
      if (last.stage === stage) return last;
      if (['completed', 'failed', 'rejected', 'needs-attention', 'cancelled'].includes(last.stage)) {
        throw new Error(`ended at ${last.stage} instead of ${stage}: ${JSON.stringify(last.failure ?? last.timeline.at(-1))}`);
      }
      return undefined;
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message} (last stage ${last?.stage})`);
  });
}

/** The sandbox's control API, as a demo or a person would call it. */
export async function sandboxControl(env: TestEnv, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${env.sandbox.endpoint}/sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function rootCredentials(env: TestEnv, accountId: string): Promise<{ passwordPresent: boolean; mfaDevices: unknown; accessKeys: unknown }> {
  const res = await sandboxControl(env, 'GET', `/accounts/${accountId}/root-credentials`);
  if (res.status !== 200) throw new Error(`root-credentials answered ${res.status}`);
  return res.body;
}

export function countOf(value: unknown): number {
  return Array.isArray(value) ? value.length : Number(value ?? 0);
}

/** The dev tokens' people, as the API authenticates them. */
export const ALICE: Actor = { user: 'alice', roles: ['requester'] };
export const BOB: Actor = { user: 'bob', roles: ['approver'] };
export const CAROL: Actor = { user: 'carol', roles: ['requester', 'approver', 'operator'] };

/** A decision as the API makes it: signed for the request's current run with the env's key ring. */
export async function decideAs(env: TestEnv, handle: WorkflowHandle, actor: Actor, decision: Decision, reason = `${decision} by ${actor.user}`) {
  const facts = await describeRequest(env.client, handle.workflowId);
  return decide(env.client, env.signer, { id: handle.workflowId, ...facts }, actor, { decision, reason });
}

/** A remediation confirmation as the API sends it (signed). */
export async function confirmAs(env: TestEnv, handle: WorkflowHandle, actor: Actor, note = 'switched on') {
  const facts = await describeRequest(env.client, handle.workflowId);
  return confirmRemediation(env.client, env.signer, { id: handle.workflowId, ...facts }, actor, note);
}
