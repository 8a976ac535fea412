/**
 * persistence: what keeping the sandbox's AWS state in a data folder costs, for an organization of
 * BENCH_PERSISTENCE_ACCOUNTS member accounts (default 100), each placed in an OU, tagged, with an assumed role, a
 * root login profile and a CloudTrail event, as vending leaves them.
 * - `saveMs` (p50, max over BENCH_PERSISTENCE_SAVES saves): one save on demand, from the snapshot (operations held
 *   meanwhile) to the file renamed and synced; `fileKb`.
 * - `restoreMs` (median of 3): reading, checking and decoding the file, and moto loading its snapshot (what a
 *   restore adds to a start); `startRestoredMs` / `startFreshMs`: the whole `startSandbox` on the saved state and on
 *   an empty data folder (moto's process start, about 1.5 s, dominates both; a fresh start seeds and saves instead).
 * Needs no Temporal: `npx tsx bench/scenarios/persistence.ts` runs it alone.
 */
import { CreateAccountCommand, MoveAccountCommand, OrganizationsClient, paginateListAccounts, TagResourceCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { ensureTools } from '../../tooling/bootstrap-tools';
import { envInt, percentile, round } from '../lib';

async function populate(sandbox: RunningSandbox, accounts: number): Promise<void> {
  const config = { endpoint: sandbox.endpoint, region: sandbox.region, credentials: { ...sandbox.credentials }, maxAttempts: 5 };
  const organizations = new OrganizationsClient(config);
  const sts = new STSClient(config);
  const { rootId, organizationalUnits } = sandbox.organization;
  const post = (route: string, body: unknown) =>
    fetch(`${sandbox.endpoint}/sandbox${route}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => {
      if (r.status !== 200) throw new Error(`POST /sandbox${route} answered ${r.status}`);
    });
  for (let i = 0; i < accounts; i++) {
    await organizations.send(new CreateAccountCommand({ Email: `bench-${i}@example.com`, AccountName: `bench-${i}`, Tags: [{ Key: 'vend:request', Value: `vend-${i}` }] }));
  }
  let ids: string[] = [];
  for (let tries = 0; ids.length < accounts && tries < 200; tries++) {
    ids = [];
    for await (const page of paginateListAccounts({ client: organizations }, {})) {
      for (const a of page.Accounts ?? []) if (a.Email?.startsWith('bench-')) ids.push(a.Id!);
    }
    if (ids.length < accounts) await new Promise((r) => setTimeout(r, 50));
  }
  if (ids.length < accounts) throw new Error(`only ${ids.length} of ${accounts} accounts were created`);
  for (const id of ids) {
    await organizations.send(new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: organizationalUnits.Workloads }));
    await organizations.send(new TagResourceCommand({ ResourceId: id, Tags: [{ Key: 'owner', Value: 'bench' }] }));
    await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`, RoleSessionName: 'bench' }));
    await post(`/accounts/${id}/root-credentials`, { loginProfile: true });
    await post(`/accounts/${id}/root-console/billing-access`, { enabled: true });
  }
  organizations.destroy();
  sts.destroy();
}

async function timedStart(motoServerBin: string, dataDir: string): Promise<{ sandbox: RunningSandbox; ms: number }> {
  const t = performance.now();
  const sandbox = await startSandbox({ motoServerBin, dataDir });
  return { sandbox, ms: performance.now() - t };
}

export async function runPersistence(_stack: unknown, log: (line: string) => void) {
  const accounts = envInt('BENCH_PERSISTENCE_ACCOUNTS', 100);
  const saves = envInt('BENCH_PERSISTENCE_SAVES', 10);
  const { motoServer } = ensureTools(log);
  const dirs: string[] = [];
  const folder = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'vend-bench-persistence-'));
    dirs.push(d);
    return d;
  };
  try {
    const dataDir = folder();
    const sandbox = await startSandbox({
      motoServerBin: motoServer,
      dataDir,
      settings: { timeScale: 100_000, createAccountDurationMs: 0, accountReadyDelayMs: 0, throttling: false, maxCreateAccountsInProgress: 100_000 },
    });
    log(`[persistence] populating ${accounts} accounts`);
    await populate(sandbox, accounts);
    const saveMs: number[] = [];
    for (let i = 0; i < saves; i++) {
      await sandbox.persistence!.saveNow();
      saveMs.push(sandbox.persistence!.status().lastSave!.ms);
    }
    const fileBytes = sandbox.persistence!.status().lastSave!.bytes;
    await sandbox.stop();

    const fresh: number[] = [];
    const restored: number[] = [];
    const restoreMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await timedStart(motoServer, folder());
      fresh.push(a.ms);
      await a.sandbox.stop();
      const b = await timedStart(motoServer, dataDir);
      restored.push(b.ms);
      restoreMs.push(b.sandbox.persistence!.status().restored!.ms);
      if (b.sandbox.organization.organizationId !== sandbox.organization.organizationId) throw new Error('the restored organization differs');
      await b.sandbox.stop();
    }
    const result = {
      accounts,
      saveMsP50: round(percentile(saveMs, 50)),
      saveMsMax: round(Math.max(...saveMs)),
      fileKb: Math.round(fileBytes / 1024),
      startFreshMs: round(percentile(fresh, 50)),
      startRestoredMs: round(percentile(restored, 50)),
      restoreMs: round(percentile(restoreMs, 50)),
    };
    log(`[persistence] ${JSON.stringify(result)}`);
    return result;
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  runPersistence(undefined, (line) => process.stderr.write(`${line}\n`)).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
