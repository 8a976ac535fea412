/**
 * What a recorded path drives: the vending workflow started as the release's client started it, its status query,
 * the sandbox's control API (the human's root step, faults), and small waits with clear timeouts.
 */
import { WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { type AccountRequest } from '../../contract/request';
import { requestIdForEmail } from '../../contract/request-id';
import { AccountEmailKey, RequesterKey, VendingStageKey } from '../../contract/search-attributes';
import { type VendingStage } from '../../contract/stages';
import { statusQuery, VENDING_WORKFLOW_TYPE, type Role, type VendingPolicy, type VendingStatus } from '../../contract/vending';
import { type RunningSandbox } from '../../sandbox';
import { type Checkout } from './checkout';

export interface RecordingContext {
  client: Client;
  taskQueue: string;
  sandbox: RunningSandbox;
  checkout: Checkout;
  log(line: string): void;
}

/** One run to export: which file, which execution, and what it showed at the end. */
export interface RecordedRun {
  file: string;
  workflowId: string;
  runId: string;
  outcome: string;
}

/** One path a recording drives (scripts/replay/recorded-paths.ts lists them). */
export interface RecordingPath {
  name: string;
  /** Why this release cannot have the path, or undefined when it can. */
  unavailable?(checkout: Checkout): string | undefined;
  record(ctx: RecordingContext): Promise<RecordedRun[]>;
}

/**
 * Fast polling, so a path takes seconds; every field exists in every release's VendingPolicySchema (f41e211 on).
 * Deadlines stay at their defaults unless a path shortens them.
 */
export const FAST_POLICY: Partial<VendingPolicy> = {
  creationPollIntervalMs: 200,
  readinessPollIntervalMs: 200,
  rootWindowEvidencePollMs: 300,
};

export interface StartOptions {
  email: string;
  /** More request fields (justification, tags, ...). */
  request?: Omit<Partial<AccountRequest>, 'email'>;
  requester?: string;
  roles?: Role[];
  policy?: Partial<VendingPolicy>;
  /**
   * `client` (default): what the release's client sets. `none`: started as `temporal workflow start` would, without
   * search attributes or summary. `requester-only`: as `temporal workflow start --search-attribute Requester=...`.
   * The workflow upserts what the start left out; c4d19f0 changed what that is.
   */
  searchAttributes?: 'client' | 'none' | 'requester-only';
}

/**
 * Starts a request exactly as every release's client (client/temporal.ts startVending, f41e211 to c4351d6) did with
 * encryption off: id from the email, AccountEmail in lower case, Requester, VendingStage=preflight, a static summary,
 * the API's partial policy (defaults are resolved inside the workflow).
 */
export async function startRequest(ctx: RecordingContext, opts: StartOptions): Promise<WorkflowHandle> {
  const request = { accountName: opts.email.split('@')[0], email: opts.email, organizationalUnit: 'Workloads', ...opts.request };
  const requester = opts.requester ?? 'alice';
  const attributes = opts.searchAttributes ?? 'client';
  return ctx.client.workflow.start(VENDING_WORKFLOW_TYPE, {
    workflowId: requestIdForEmail(opts.email),
    taskQueue: ctx.taskQueue,
    args: [
      {
        request,
        requester,
        requesterRoles: opts.roles ?? ['requester'],
        requestedAt: new Date().toISOString(),
        policy: { ...FAST_POLICY, ...opts.policy },
      },
    ],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    ...(attributes === 'client'
      ? {
          typedSearchAttributes: [
            { key: AccountEmailKey, value: opts.email.toLowerCase() },
            { key: RequesterKey, value: requester },
            { key: VendingStageKey, value: 'preflight' },
          ],
          staticSummary: `Vend AWS account "${request.accountName}" into ${request.organizationalUnit} for ${requester}`,
        }
      : attributes === 'requester-only'
        ? { typedSearchAttributes: [{ key: RequesterKey, value: requester }] }
        : {}),
  });
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = undefined;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

const TERMINAL: VendingStage[] = ['completed', 'needs-attention', 'rejected', 'failed', 'cancelled'];

export async function waitForStage(handle: WorkflowHandle, stage: VendingStage): Promise<VendingStatus> {
  return waitUntil(`${handle.workflowId} to reach stage ${stage}`, async () => {
    const status = await handle.query(statusQuery);
    if (status.stage === stage) return status;
    if (TERMINAL.includes(status.stage)) {
      throw new Error(`ended at ${status.stage} instead of reaching ${stage}: ${status.failure?.message ?? status.timeline.at(-1)?.note ?? ''}`);
    }
    return undefined;
  });
}

/** Waits until the root window is open and password recovery was allowed (the human can now sign in as root). */
export async function waitForOpenRootWindow(ctx: RecordingContext, handle: WorkflowHandle, accountId: string): Promise<void> {
  await waitForStage(handle, 'root-window-open');
  await waitUntil(`the root window of ${accountId} to open`, async () => {
    const status = await handle.query(statusQuery);
    if (!status.rootWindow?.openedAt) return undefined;
    const creds = RootCredentialsViewSchema.parse(await sandboxControl(ctx, 'GET', `/accounts/${accountId}/root-credentials`));
    return creds.passwordPresent ? true : undefined;
  });
}

const RootCredentialsViewSchema = z.object({ passwordPresent: z.boolean() });

/** The sandbox's control API (sandbox/control.ts), as a person or a demo calls it; any refusal stops the recording. */
export async function sandboxControl(ctx: RecordingContext, method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${ctx.sandbox.endpoint}/sandbox${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`sandbox ${method} ${route} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** The final status of a closed or open request, read through its query (the release's worker answers it). */
export async function finalStatus(handle: WorkflowHandle): Promise<VendingStatus> {
  return handle.query(statusQuery);
}

/** A path that did not end as intended would record the wrong history: stop with what happened instead. */
export function expectThat(condition: boolean, what: string, status?: VendingStatus): void {
  if (!condition) {
    const detail = status ? ` (stage ${status.stage}${status.failure ? `, failure: ${status.failure.message}` : ''})` : '';
    throw new Error(`recording went off its path: expected ${what}${detail}`);
  }
}

export function describeOutcome(status: VendingStatus): string {
  const note = status.failure?.message ?? status.timeline.at(-1)?.note;
  return `${status.stage}${note ? `: ${note}` : ''}`;
}
