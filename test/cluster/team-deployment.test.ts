/**
 * The team deployment run natively (cluster/): PostgreSQL, the Temporal server at its pinned version with the compose
 * dynamic config, two workers and two request APIs as compiled JavaScript on the pinned Node.js.
 *
 * 60 requests spread over both APIs while one worker is SIGKILLed (its supervisor starts it again), the Temporal
 * server is killed and started again, and PostgreSQL is restarted: every request completes, each email has exactly
 * one account and one creation, and the sandbox never sees more than 5 creations in flight across both workers (they
 * share the organization's creation slots). The sandbox itself would accept 100 at once here, so only our
 * coordination keeps it at 5.
 *
 * Each request also runs a light day-1 baseline (a blueprint of this test's own, default for the OU: one group
 * assignment, one opt-in region, a budget): regions are coordinated across both workers (50 changes at once per
 * organization), and no assignment is made twice through the crashes. The example blueprints' default-VPC deletion is
 * left out: in moto it builds an EC2 backend per account and region, which 60 accounts at once on two cores turn into
 * dropped connections (a limit of the emulator, not of AWS); test/baseline/ covers that step.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { namespaceSetupEnvFor, startCluster, type RunningCluster } from '../../cluster/cluster';
import { freeTemporalPorts } from '../../cluster/ports';
import { NAMESPACE_RETENTION_DAYS } from '../../cluster/versions';
import { SEARCH_ATTRIBUTE_NAMES } from '../../contract/search-attributes';
import { VENDING_WORKFLOW_TYPE } from '../../contract/vending';
import { ensureTools, PROJECT_ROOT } from '../../tooling/bootstrap-tools';
import { freePort } from '../../tooling/processes';
import { bundleVariant } from '../support/bundle-variant';
import { waitFor } from '../support/http';

const N = 60;
const TIME_SCALE = 10;
const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts', 'cluster');
const logs = new Map<string, string[]>();

let cluster: RunningCluster;
let connection: Connection;
let client: Client;
let dataDir: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  // PostgreSQL runs as the `postgres` user when we are root: its data folder's parents must be traversable.
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'vend-cluster-'));
  chmodSync(dataDir, 0o755);
  const blueprintsDir = path.join(dataDir, 'blueprints');
  mkdirSync(blueprintsDir);
  writeFileSync(path.join(blueprintsDir, 'cluster-light.yaml'), CLUSTER_BLUEPRINT);
  const temporalPorts = await freeTemporalPorts();
  cluster = await startCluster({
    dataDir,
    ports: {
      postgres: await freePort(),
      temporal: temporalPorts,
      ui: await freePort(),
      sandbox: await freePort(),
      apis: [await freePort(), await freePort()],
      workerMetrics: [await freePort(), await freePort()],
    },
    // 60 s of AWS time per creation (6 s real): 5 slots / 60 s < 0.1/s, so the 5-slot limit binds, as in AWS.
    sandbox: { timeScale: TIME_SCALE, createAccountDurationMs: 60_000, accountReadyDelayMs: 5_000, maxCreateAccountsInProgress: 100 },
    appEnv: {
      VEND_POLICY: JSON.stringify({ activityAttemptTimeoutMs: 10_000, creationPollIntervalMs: 300, readinessPollIntervalMs: 300 }),
      VEND_BLUEPRINTS_DIR: blueprintsDir,
    },
    onServiceLine: (service, line) => {
      const lines = logs.get(service) ?? [];
      lines.push(line);
      logs.set(service, lines);
    },
  });
  connection = await Connection.connect({ address: cluster.temporalAddress });
  client = new Client({ connection, namespace: cluster.namespace });
}, 600_000);

afterAll(async () => {
  await connection?.close();
  await cluster?.stop();
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const [service, lines] of logs) writeFileSync(path.join(ARTIFACTS, `${service}.log`), `${lines.join('\n')}\n`);
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

const AUTH = { authorization: 'Bearer dev-requester' };

const CLUSTER_BLUEPRINT = `name: cluster-light
version: 1
description: One group assignment, one opt-in region, a budget
defaultFor: [Workloads]
steps:
  identityCenter:
    assignments:
      - { group: Platform Admins, permissionSet: AdministratorAccess }
  regions:
    enable: [eu-south-1]
  budget:
    name: cluster-cap
    monthlyLimitUsd: 100
    thresholdsPercent: [100]
    subscribers: [finops@example.com]
`;

async function api(i: number, method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${cluster.apiUrls[i % cluster.apiUrls.length]}${route}`, {
    method,
    headers: body === undefined ? AUTH : { ...AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function sandboxState(): Promise<any> {
  return (await fetch(`${cluster.sandbox.endpoint}/sandbox/state`)).json();
}

async function whenCreationsStarted(n: number): Promise<void> {
  await waitFor(`${n} creations started`, async () => ((await sandboxState()).createAccountRequests.length >= n ? true : undefined), 240_000, 200);
}

test('60 requests over two APIs through a worker crash, a Temporal restart and a PostgreSQL restart', async () => {
  const emails = Array.from({ length: N }, (_, i) => `cluster-${i}@example.com`);
  const ids = await Promise.all(
    emails.map(async (email, i) => {
      const res = await api(i, 'POST', '/v1/account-requests', { accountName: `cluster-${i}`, email, organizationalUnit: 'Workloads' });
      expect({ email, status: res.status }).toEqual({ email, status: 202 });
      return res.body.id as string;
    }),
  );

  const started = Date.now();
  const at = () => `${Math.round((Date.now() - started) / 1000)} s`;
  const timeline: string[] = [];
  // A worker crashes while creations are under way; its supervisor starts it again.
  await whenCreationsStarted(5);
  timeline.push(`worker-1 SIGKILL at ${at()}`);
  const worker = cluster.workers[0];
  worker.current().kill('SIGKILL');
  await waitFor('worker-1 started again', async () => (worker.restarts() >= 1 ? true : undefined), 60_000, 200);
  await worker.ready();

  // The Temporal server crashes and comes back on the same PostgreSQL data.
  await whenCreationsStarted(15);
  timeline.push(`Temporal SIGKILL at ${at()}`);
  await cluster.temporal.kill();
  await sleep(2_000);
  await cluster.temporal.start();
  timeline.push(`Temporal serving again at ${at()}`);

  // PostgreSQL goes down (fast shutdown) under the running server and comes back.
  await whenCreationsStarted(30);
  timeline.push(`PostgreSQL stop at ${at()}`);
  await cluster.postgres.stop();
  await sleep(3_000);
  await cluster.postgres.start();
  timeline.push(`PostgreSQL accepting again at ${at()}`);

  // Every request settles: watched through visibility (one count every 2 s; sixty GETs every 2 s would be a load
  // test of their own on two cores), then each one read once through the other API than the one that took it.
  const typeQuery = `WorkflowType="${VENDING_WORKFLOW_TYPE}"`;
  const stuck = async () => {
    const found: string[] = [];
    for await (const w of client.workflow.list({ query: `${typeQuery} AND ExecutionStatus="Running"` })) {
      found.push(`${w.workflowId} at ${String(w.searchAttributes?.VendingStage ?? '?')} (${w.historyLength} events)`);
    }
    return found;
  };
  await waitFor(
    'all 60 requests settled',
    async () => {
      try {
        const running = (await client.workflow.count(`${typeQuery} AND ExecutionStatus="Running"`)).count;
        return running === 0 ? true : undefined;
      } catch {
        return undefined; // Temporal or PostgreSQL still coming back
      }
    },
    420_000,
    2_000,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}; still running: ${(await stuck().catch(() => [])).join(', ')}`);
  });
  const stages = await Promise.all(
    ids.map(async (id, i) => {
      const res = await api(i + 1, 'GET', `/v1/account-requests/${id}`);
      return res.status === 200 ? (res.body.stage as string) : `http ${res.status}`;
    }),
  );
  timeline.push(`all settled at ${at()}`);
  expect(stages).toEqual(ids.map(() => 'completed'));

  // Exactly one account and one accepted creation per email; never more than 5 creations in flight.
  const state = await sandboxState();
  const count = (list: { email: string }[]) => {
    const m = new Map<string, number>();
    for (const x of list) m.set(x.email.toLowerCase(), (m.get(x.email.toLowerCase()) ?? 0) + 1);
    return m;
  };
  const accounts = count(state.accounts);
  const creations = count(state.createAccountRequests);
  expect(emails.filter((e) => accounts.get(e) !== 1 || creations.get(e) !== 1)).toEqual([]);
  expect(state.peakCreateAccountsInProgress).toBeLessThanOrEqual(5);
  expect(state.peakCreateAccountsInProgress).toBeGreaterThanOrEqual(2);
  // The baseline: one region change per account, never more than AWS's 50 at once org-wide, none refused; each
  // account's one assignment created once.
  expect(state.baseline.regionEnables).toBe(N);
  expect(state.baseline.peakRegionChangesOrganization).toBeLessThanOrEqual(50);
  expect(state.baseline.regionChangesRefused).toBe(0);
  expect(Object.values(state.baseline.assignmentCreations as Record<string, number>).filter((n) => n !== 1)).toEqual([]);
  expect(Object.keys(state.baseline.assignmentCreations)).toHaveLength(N);

  // Visibility on PostgreSQL answers on the custom search attributes, and nothing is left running.
  expect((await client.workflow.count(`${typeQuery} AND VendingStage="completed"`)).count).toBe(N);
  await waitFor('no vending workflow running', async () => ((await client.workflow.count(`${typeQuery} AND ExecutionStatus="Running"`)).count === 0 ? true : undefined), 30_000, 500);

  // Both workers did the work: activity tasks were taken by more than one worker identity.
  const identities = new Set<string>();
  for (const id of ids) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const e of history.events ?? []) {
      const identity = e.activityTaskStartedEventAttributes?.identity;
      if (identity) identities.add(identity);
    }
  }
  expect(identities.size).toBeGreaterThanOrEqual(2);
  expect(worker.restarts()).toBeGreaterThanOrEqual(1);
  process.stderr.write(
    `[cluster] ${timeline.join(', ')}; peak creations in flight ${state.peakCreateAccountsInProgress}; ` +
      `restarts ${cluster.workers.map((w) => `${w.name} ${w.restarts()}`).join(', ')}; ${identities.size} worker identities\n`,
  );
});

test("the compose setup job's script registers a namespace and the search attributes against this server", async () => {
  const namespace = 'compose-setup-check';
  const tools = ensureTools();
  const env = { ...process.env, ...namespaceSetupEnvFor(cluster), TEMPORAL_NAMESPACE: namespace, PATH: `${path.dirname(tools.temporal)}:${process.env.PATH}` };
  const script = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'setup-namespace.sh');
  const run = () =>
    new Promise<string>((resolve, reject) =>
      execFile('sh', [script], { env }, (err, stdout, stderr) => (err ? reject(new Error(`${stdout}\n${stderr}`)) : resolve(stdout))),
    );
  expect(await run()).toContain(`namespace ${namespace}: registered`);
  // Repeatable: the second run keeps what is there.
  expect(await run()).toContain(`namespace ${namespace}: already registered`);

  const described = await connection.workflowService.describeNamespace({ namespace });
  expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(NAMESPACE_RETENTION_DAYS * 24 * 3600);
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  for (const name of SEARCH_ATTRIBUTE_NAMES) {
    expect({ name, type: customAttributes?.[name] }).toEqual({ name, type: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD });
  }
});

test('the Web UI server answers and the worker metrics are served', async () => {
  const ui = await fetch(cluster.uiUrl);
  expect(ui.status).toBe(200);
  for (const url of cluster.workerMetricsUrls) {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('temporal_');
  }
});

// Last: it stops both original workers.
test('a rolling deploy across workers: requests parked on build A finish beside and then on build B', async () => {
  const BUILD_B_PATCH = 'test-build-b-finish-note';
  const buildB = await bundleVariant([
    {
      file: 'workflows/vending.ts',
      replacements: [
        {
          from: "  run.enter(stage, note);\n  if (stage === 'cancelled') {",
          to: `  if (patched('${BUILD_B_PATCH}')) run.note('finished by build B');\n  run.enter(stage, note);\n  if (stage === 'cancelled') {`,
        },
      ],
    },
  ]);
  const buildBPath = path.join(dataDir, 'workflow-bundle-b.js');
  writeFileSync(buildBPath, buildB);

  // Four requests park at their decision on build A (billing access off: each needs a person).
  const sandboxPost = (route: string, body: unknown) => fetch(`${cluster.sandbox.endpoint}/sandbox${route}`, { method: 'POST', body: JSON.stringify(body) });
  expect((await sandboxPost('/linked-account-access', { enabled: false })).status).toBe(200);
  const ids = await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const res = await api(i, 'POST', '/v1/account-requests', { accountName: `rolling-${i}`, email: `rolling-${i}@example.com`, organizationalUnit: 'Workloads' });
      expect(res.status).toBe(202);
      return res.body.id as string;
    }),
  );
  const stageOf = async (id: string) => (await api(0, 'GET', `/v1/account-requests/${id}`)).body.stage as string;
  await waitFor('four requests awaiting a decision', async () => ((await Promise.all(ids.map(stageOf))).every((s) => s === 'awaiting-decision') ? true : undefined), 240_000, 1_000);
  expect((await sandboxPost('/linked-account-access', { enabled: true })).status).toBe(200);

  const decide = async (id: string) => {
    const res = await fetch(`${cluster.apiUrls[1]}/v1/account-requests/${id}/decision`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-approver', 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'attest-enabled', reason: 'checked in the billing console' }),
    });
    expect({ id, status: res.status }).toEqual({ id, status: 200 });
  };

  // Half-way through the deploy: worker-1 now runs build B, worker-2 still build A; two requests are decided.
  await cluster.workers[0].stop();
  await cluster.startWorker('worker-b', buildBPath, await freePort());
  await Promise.all(ids.slice(0, 2).map(decide));
  // The deploy completes: worker-2 (build A) stops; the other two are decided and can only finish on build B.
  await waitFor('the first two completed', async () => ((await Promise.all(ids.slice(0, 2).map(stageOf))).every((s) => s === 'completed') ? true : undefined), 240_000, 1_000);
  await cluster.workers[1].stop();
  await Promise.all(ids.slice(2).map(decide));
  await waitFor('all four completed', async () => ((await Promise.all(ids.map(stageOf))).every((s) => s === 'completed') ? true : undefined), 240_000, 1_000);

  for (const id of ids.slice(2)) {
    const view = (await api(0, 'GET', `/v1/account-requests/${id}`)).body as { timeline: { note?: string }[] };
    expect({ id, finishedByB: view.timeline.some((t) => t.note === 'finished by build B') }).toEqual({ id, finishedByB: true });
  }
}, 600_000);
