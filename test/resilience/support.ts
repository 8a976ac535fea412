/**
 * Shared by the resilience tests: a worker run as its own process (so it can be SIGKILLed), and the invariants every
 * scenario ends with: each email has exactly one account and one creation, and no request is lost or stuck.
 */
import { creationSlotsQuery, creationSlotsWorkflowId } from '../../contract/creation-slots';
import { VENDING_WORKFLOW_TYPE } from '../../contract/vending';
import { paginateListAccounts } from '@aws-sdk/client-organizations';
import { type WorkflowHandle } from '@temporalio/client';
import path from 'node:path';
import { spawnManaged, type ManagedProcess } from '../../tooling/processes';
import { type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { sandboxControl } from '../support/vending';

const ROOT = path.resolve(__dirname, '..', '..');

export interface WorkerProcess {
  proc: ManagedProcess;
  /** Resolves once the worker polls its task queues (its "worker running" log line). */
  ready: Promise<void>;
}

/** `npm run worker`, pointed at the test env; `extraEnv` overrides (e.g. another Temporal address). */
export function startWorkerProcess(env: TestEnv, extraEnv: NodeJS.ProcessEnv = {}): WorkerProcess {
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const tail: string[] = [];
  const proc = spawnManaged('worker', path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'worker', 'main.ts')], {
    env: { ...env.workerEnv, LOG_LEVEL: 'info', ...extraEnv },
    onLine: (line) => {
      if (line.includes('worker running')) markReady();
      tail.push(line);
      if (tail.length > 20) tail.shift();
    },
  });
  void proc.exited.then((code) => {
    if (code !== null && code !== 0 && code !== 143) process.stderr.write(`[worker ${proc.pid}] exited ${code}:\n${tail.join('\n')}\n`);
  });
  return { proc, ready: Promise.race([ready, proc.exited.then(() => undefined)]) };
}

export async function killHard(proc: ManagedProcess): Promise<void> {
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await proc.exited;
  await proc.stop(); // forgets it
}

/** Each email: exactly one account in the organization and exactly one CreateAccount request that AWS accepted. */
export async function expectExactlyOneAccountPerEmail(env: TestEnv, emails: string[]): Promise<void> {
  const accounts = new Map<string, number>();
  for await (const page of paginateListAccounts({ client: env.aws.organizations }, {})) {
    for (const a of page.Accounts ?? []) accounts.set(a.Email!.toLowerCase(), (accounts.get(a.Email!.toLowerCase()) ?? 0) + 1);
  }
  const state = await sandboxControl(env, 'GET', '/state');
  const creations = new Map<string, number>();
  for (const r of state.body.createAccountRequests as { email: string }[]) {
    creations.set(r.email.toLowerCase(), (creations.get(r.email.toLowerCase()) ?? 0) + 1);
  }
  const wrong = emails
    .map((e) => ({ email: e, accounts: accounts.get(e.toLowerCase()) ?? 0, creations: creations.get(e.toLowerCase()) ?? 0 }))
    .filter((x) => x.accounts !== 1 || x.creations !== 1);
  expect(wrong).toEqual([]);
}

/**
 * No vending request of this test's task queue still runs (lost or stuck requests), as visibility sees it. The
 * organization's creation-slot coordinator may run on (it ends when idle), but must hold and queue nobody.
 */
export async function expectNothingRunning(env: TestEnv): Promise<void> {
  const query = `TaskQueue="${env.taskQueue}" AND ExecutionStatus="Running" AND WorkflowType="${VENDING_WORKFLOW_TYPE}"`;
  const coordinator = env.client.workflow.getHandle(creationSlotsWorkflowId(env.taskQueue));
  const slots = await waitFor(
    'the creation slots to be free',
    async () => {
      const s = await coordinator.query(creationSlotsQuery);
      return s.waiting.length === 0 && Object.keys(s.holders).length === 0 ? s : undefined;
    },
    15_000,
    500,
  );
  expect(slots.waiting).toEqual([]);
  await waitFor(
    'no running workflow on the task queue',
    async () => ((await env.client.workflow.count(query)).count === 0 ? true : undefined),
    15_000,
    500,
  );
}

/** handle.result(), retried over transient connection errors (a restarting server). */
export async function resultOf<T>(handle: WorkflowHandle, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await handle.result()) as T;
    } catch (err) {
      const e = err as Error;
      if (e.name === 'WorkflowFailedError' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
