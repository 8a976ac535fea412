/**
 * `npm run sandbox` with SANDBOX_DATA_DIR, SIGKILLed while clients create accounts, tag them, assume roles into them
 * and plant root credentials, then started again, several times: it always starts (the file is never damaged), what
 * it showed before its last completed save is there, the gateway's records and moto's accounts agree, creations that
 * were in progress complete. Last, a SIGTERM: the state at stop comes back exactly.
 * DEBUG_SANDBOX=1 prints the sandbox's log and the load's errors.
 */
import { CreateAccountCommand, OrganizationsClient, paginateListAccounts, TagResourceCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SANDBOX_CREDENTIALS, SANDBOX_REGION } from '../../sandbox';
import { freePort, spawnManaged, type ManagedProcess } from '../../tooling/processes';
import { sleep, waitFor } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'vend-sandbox-kill-'));
let port: number;
let endpoint: string;
let proc: ManagedProcess | undefined;

beforeAll(async () => {
  port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  abandoned = true;
  await proc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The sandbox as its own process; resolves once it listens. */
async function startProcess(): Promise<ManagedProcess> {
  const lines: string[] = [];
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const p = spawnManaged('sandbox', path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'sandbox', 'main.ts')], {
    env: {
      ...process.env,
      SANDBOX_PORT: String(port),
      SANDBOX_DATA_DIR: dir,
      // Creations take 0.3 s, so several complete (and several are in progress) between two kills.
      SANDBOX_TIME_SCALE: '10',
      SANDBOX_CREATE_ACCOUNT_DURATION_MS: '3000',
      SANDBOX_ACCOUNT_READY_DELAY_MS: '0',
      SANDBOX_THROTTLING: 'false',
    },
    onLine: (line) => {
      if (process.env.DEBUG_SANDBOX) process.stderr.write(`${line}\n`);
      lines.push(line);
      if (line.includes('listening on')) listening();
    },
  });
  const exited = p.exited.then((code) => {
    throw new Error(`the sandbox exited (${code}) before listening:\n${lines.join('\n')}`);
  });
  await Promise.race([ready, exited]);
  void exited.catch(() => undefined);
  return p;
}

async function controlGet<T>(route: string): Promise<T> {
  const res = await fetch(`${endpoint}/sandbox/${route}`);
  if (res.status !== 200) throw new Error(`GET /sandbox/${route} answered ${res.status}`);
  return (await res.json()) as T;
}

interface GatewayView {
  accounts: { accountId: string; email: string; rootCredentials: { accessKeys: number } }[];
  createAccountRequests: { id: string; email: string; state: string; accountId?: string }[];
}

function awsClients() {
  const config = { endpoint, region: SANDBOX_REGION, credentials: { ...SANDBOX_CREDENTIALS }, maxAttempts: 1 };
  return { organizations: new OrganizationsClient(config), sts: new STSClient(config) };
}

let emailCounter = 0;
/** Set when the test ends, however it ends: no load outlives it. */
let abandoned = false;

/** Clients changing state as fast as they can, until `until` resolves; errors (a killed sandbox, the 5-creation limit) are expected. */
async function load(until: Promise<void>): Promise<void> {
  const { organizations, sts } = awsClients();
  let stop = false;
  void until.then(() => (stop = true));
  const known = (await controlGet<GatewayView>('state')).accounts.map((a) => a.accountId);
  const loop = async (step: () => Promise<unknown>) => {
    while (!stop && !abandoned) {
      await step().catch((err: Error) => {
        if (process.env.DEBUG_SANDBOX) process.stderr.write(`[load] ${err.name}: ${err.message}\n`);
        return sleep(20);
      });
    }
  };
  const pick = () => known[Math.floor(Math.random() * known.length)];
  await Promise.all([
    loop(() => organizations.send(new CreateAccountCommand({ Email: `kill-${++emailCounter}@example.com`, AccountName: `kill-${emailCounter}` }))),
    loop(async () => {
      const id = pick();
      if (!id) return sleep(50);
      await organizations.send(new TagResourceCommand({ ResourceId: id, Tags: [{ Key: 'n', Value: String(Date.now()) }] }));
    }),
    loop(async () => {
      const id = pick();
      if (!id) return sleep(50);
      await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`, RoleSessionName: 'kill' }));
    }),
    loop(async () => {
      const id = pick();
      if (!id) return sleep(50);
      await fetch(`${endpoint}/sandbox/accounts/${id}/root-credentials`, { method: 'POST', body: JSON.stringify({ mfaDevices: 1 }) });
    }),
    loop(async () => {
      const fresh = (await controlGet<GatewayView>('state')).accounts.map((a) => a.accountId);
      known.splice(0, known.length, ...fresh);
      await sleep(100);
    }),
  ]);
  organizations.destroy();
  sts.destroy();
}

/** The gateway's member accounts and moto's agree; every SUCCEEDED creation names one of them (asked while none completes). */
async function expectConsistent(): Promise<GatewayView> {
  const view = await controlGet<GatewayView>('state');
  const { organizations } = awsClients();
  const motoAccounts: string[] = [];
  for await (const page of paginateListAccounts({ client: organizations }, {})) {
    for (const a of page.Accounts ?? []) if (a.Id !== '123456789012') motoAccounts.push(`${a.Id} ${a.Email}`);
  }
  organizations.destroy();
  expect(motoAccounts.sort()).toEqual(view.accounts.map((a) => `${a.accountId} ${a.email}`).sort());
  const ids = new Set(view.accounts.map((a) => a.accountId));
  for (const r of view.createAccountRequests) if (r.state === 'SUCCEEDED') expect([r.id, ids.has(r.accountId!)]).toEqual([r.id, true]);
  return view;
}

test('SIGKILLed under load and started again, three times, then stopped with SIGTERM: never damaged, nothing saved is lost', async () => {
  proc = await startProcess();
  for (let round = 1; round <= 3; round++) {
    let release!: () => void;
    const finished = new Promise<void>((resolve) => (release = resolve));
    const loading = load(finished);
    await sleep(1500 + Math.random() * 1500);
    // What the sandbox showed before a save that completed afterwards must survive the kill.
    const shown = new Set((await controlGet<GatewayView>('state')).accounts.map((a) => a.accountId));
    const askedAt = Date.now();
    await waitFor('a save after the look', async () => {
      const s = await controlGet<{ savedAt?: string }>('persistence');
      return s.savedAt && Date.parse(s.savedAt) > askedAt ? true : undefined;
    }, 15_000);
    await sleep(Math.random() * 500); // and keep changing things until the kill
    proc.kill('SIGKILL');
    await proc.exited;
    await proc.stop();
    release();
    await loading;

    proc = await startProcess();
    // Creations in progress at the kill complete after the restart (a restored moto that already had one of them
    // would fail it with EMAIL_ALREADY_EXISTS); then the gateway and moto agree.
    const settled = await waitFor('every creation to settle', async () => {
      const v = await controlGet<GatewayView>('state');
      return v.createAccountRequests.every((r) => r.state !== 'IN_PROGRESS') ? v : undefined;
    }, 20_000);
    expect(settled.createAccountRequests.filter((r) => r.state === 'FAILED')).toEqual([]);
    const restored = await expectConsistent();
    const back = new Set(restored.accounts.map((a) => a.accountId));
    expect([...shown].filter((id) => !back.has(id))).toEqual([]);
    expect(shown.size).toBeGreaterThan(0);
  }

  // A change, and at once a SIGTERM: only the save at stop can keep it.
  const [last] = (await controlGet<GatewayView>('state')).accounts;
  await fetch(`${endpoint}/sandbox/accounts/${last.accountId}/root-credentials`, { method: 'POST', body: JSON.stringify({ accessKeys: 2 }) });
  const before = await controlGet<GatewayView>('state');
  proc.kill('SIGTERM');
  await proc.exited;
  await proc.stop();
  proc = await startProcess();
  const after = await controlGet<GatewayView>('state');
  expect({ accounts: after.accounts, createAccountRequests: after.createAccountRequests }).toEqual({
    accounts: before.accounts,
    createAccountRequests: before.createAccountRequests,
  });
  expect(after.accounts.find((a) => a.accountId === last.accountId)).toMatchObject({ rootCredentials: { accessKeys: 2 } });
  await expectConsistent();
}, 180_000);
