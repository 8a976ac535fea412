/**
 * The sandbox with a data folder: stopped and started again, its AWS state comes back with the same ids and ARNs
 * (moto's accounts, OUs, tags, roles and the gateway's creation requests, root credentials, CloudTrail events,
 * switches, settings, issued keys), a creation in progress completes after the restart, and a saved state that
 * cannot be restored stops the start with the file named and nothing left running.
 */
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { SandboxStateFileError, startSandbox, type RunningSandbox, type SandboxSettingsPatch } from '../../sandbox';
import { assumeMemberRole, clients, control, createAccount, rejection, waitFor, type Creds } from './helpers';

const motoServerBin = process.env.VEND_TEST_MOTO_SERVER as string;
const dirs: string[] = [];
const running: RunningSandbox[] = [];

function dataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vend-sandbox-state-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string, settings?: SandboxSettingsPatch): Promise<RunningSandbox> {
  const sb = await startSandbox({ motoServerBin, dataDir: dir, settings });
  running.push(sb);
  return sb;
}

async function stop(sb: RunningSandbox): Promise<void> {
  await sb.stop();
  running.splice(running.indexOf(sb), 1);
}

afterAll(async () => {
  for (const sb of running) await sb.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Everything a client can see of the organization, by the management account and from inside the member account. */
async function observe(sb: RunningSandbox, accountId: string, member: Creds) {
  const { organizations } = clients(sb, { maxAttempts: 5 });
  const inside = clients(sb, { credentials: member, maxAttempts: 5 });
  const accounts = (await organizations.send(new ListAccountsCommand({}))).Accounts!.map((a) => ({
    Id: a.Id,
    Arn: a.Arn,
    Email: a.Email,
    Name: a.Name,
    Status: a.Status,
    JoinedTimestamp: a.JoinedTimestamp?.toISOString(),
  }));
  const gateway = (await control<Record<string, unknown>>(sb, 'GET', '/sandbox/state')).body;
  return {
    organization: (await organizations.send(new DescribeOrganizationCommand({}))).Organization,
    seeded: sb.organization,
    accounts: accounts.sort((a, b) => a.Id!.localeCompare(b.Id!)),
    parents: (await organizations.send(new ListParentsCommand({ ChildId: accountId }))).Parents,
    tags: (await organizations.send(new ListTagsForResourceCommand({ ResourceId: accountId }))).Tags,
    // The member's assumed-role keys still name the member account (the gateway's and moto's records of them).
    callerInside: (await inside.sts.send(new GetCallerIdentityCommand({}))).Arn,
    cloudTrailInside: (await inside.cloudTrail.send(new LookupEventsCommand({}))).Events!.map((e) => [e.EventId, e.EventName, e.EventTime?.toISOString()]),
    sandboxAccounts: (gateway.accounts as Record<string, unknown>[]).map(({ ready: _, ...a }) => a),
    creationRequests: gateway.createAccountRequests,
    linkedAccountAccess: gateway.linkedAccountAccess,
    rootCredentials: (await control(sb, 'GET', `/sandbox/accounts/${accountId}/root-credentials`)).body,
    settings: sb.settings(),
  };
}

let savedFile: string;

test('stopped and started again on its data folder, the sandbox has the same AWS: ids, ARNs, records, switches; a creation in progress completes', async () => {
  const dir = dataDir();
  // Creation takes 1.5 s here (15 s of AWS time at scale 10), readiness 0.3 s.
  const first = await start(dir, { timeScale: 10, createAccountDurationMs: 15_000, accountReadyDelayMs: 3000, throttling: false });
  const { organizations } = clients(first, { maxAttempts: 5 });
  const accountId = await createAccount(first, 'kept@example.com', 'Kept');
  await organizations.send(
    new MoveAccountCommand({ AccountId: accountId, SourceParentId: first.organization.rootId, DestinationParentId: first.organization.organizationalUnits.Workloads }),
  );
  await organizations.send(new TagResourceCommand({ ResourceId: accountId, Tags: [{ Key: 'vend:request', Value: 'vend-kept' }] }));
  const member = await assumeMemberRole(first, accountId);
  expect((await control(first, 'POST', `/sandbox/accounts/${accountId}/root-credentials`, { loginProfile: true, accessKeys: 1 })).status).toBe(200);
  expect((await control(first, 'POST', `/sandbox/accounts/${accountId}/root-console/billing-access`, { enabled: true })).status).toBe(200);
  expect((await control(first, 'POST', '/sandbox/linked-account-access', { enabled: false })).status).toBe(200);
  // A creation that is still IN_PROGRESS when the sandbox stops (150 s of AWS time = 15 s here).
  first.updateSettings({ createAccountDurationMs: 150_000 });
  const pending = await organizations.send(new CreateAccountCommand({ Email: 'pending@example.com', AccountName: 'Pending' }));
  const pendingId = pending.CreateAccountStatus!.Id!;

  const before = await observe(first, accountId, member);
  expect(before.creationRequests).toEqual([
    expect.objectContaining({ email: 'kept@example.com', state: 'SUCCEEDED', accountId }),
    expect.objectContaining({ id: pendingId, email: 'pending@example.com', state: 'IN_PROGRESS' }),
  ]);
  expect(before.rootCredentials).toMatchObject({ passwordPresent: true, accessKeys: 1 });
  await stop(first);

  const second = await start(dir);
  const after = await observe(second, accountId, member);
  expect(after).toEqual(before);
  expect(after.settings).toMatchObject({ timeScale: 10, createAccountDurationMs: 150_000, linkedAccountAccess: false });
  expect((await control(second, 'GET', '/sandbox/persistence')).body).toMatchObject({ restored: { savedAt: expect.any(String) }, pending: false });

  // The creation in progress was re-armed with the time it had left: it completes, into the same organization.
  const done = await waitFor(
    'the pending creation to complete',
    async () => {
      const s = (await clients(second).organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: pendingId }))).CreateAccountStatus!;
      return s.State === 'IN_PROGRESS' ? undefined : s;
    },
    30_000,
  );
  expect(done.State).toBe('SUCCEEDED');
  // AWS keeps it IN_PROGRESS for its whole duration; a restart does not cut it short.
  expect(done.CompletedTimestamp!.getTime() - done.RequestedTimestamp!.getTime()).toBeGreaterThanOrEqual(15_000 - 1000);
  const listed = (await clients(second).organizations.send(new ListAccountsCommand({}))).Accounts!;
  expect(listed.find((a) => a.Id === done.AccountId)).toMatchObject({ Email: 'pending@example.com', Arn: expect.stringContaining(before.organization!.Id!) });
  await stop(second);

  // Kept for the refusal tests below: a valid saved state.
  savedFile = path.join(dataDir(), 'saved.jsonl');
  copyFileSync(path.join(dir, 'state.jsonl'), savedFile);
});

test('a reset is saved too: the next start has the fresh organization and no accounts', async () => {
  const dir = dataDir();
  const first = await start(dir, { timeScale: 10, createAccountDurationMs: 1000, throttling: false });
  await createAccount(first, 'gone@example.com');
  const oldOrganization = first.organization.organizationId;
  await first.reset();
  const freshOrganization = first.organization.organizationId;
  expect(freshOrganization).not.toBe(oldOrganization);
  await stop(first);
  const second = await start(dir);
  expect(second.organization.organizationId).toBe(freshOrganization);
  expect((await control<{ accounts: unknown[] }>(second, 'GET', '/sandbox/state')).body.accounts).toEqual([]);
  const listed = (await clients(second).organizations.send(new ListAccountsCommand({}))).Accounts!;
  expect(listed.map((a) => a.Email)).not.toContain('gone@example.com');
  await stop(second);
});

/** A copy of the saved state, changed by `edit` (header and body lines), with the body's checksum made right again. */
function variant(edit: (header: Record<string, unknown>, body: Record<string, unknown>) => void): string {
  const [headerLine, bodyLine] = readFileSync(savedFile, 'utf8').split('\n');
  const header = JSON.parse(headerLine) as Record<string, unknown>;
  const body = JSON.parse(bodyLine) as Record<string, unknown>;
  edit(header, body);
  const text = JSON.stringify(body);
  header.bodySha256 = createHash('sha256').update(text).digest('hex');
  header.bodyBytes = Buffer.byteLength(text);
  const dir = dataDir();
  writeFileSync(path.join(dir, 'state.jsonl'), `${JSON.stringify(header)}\n${text}\n`);
  return dir;
}

function damaged(mutate: (text: string) => string): string {
  const dir = dataDir();
  writeFileSync(path.join(dir, 'state.jsonl'), mutate(readFileSync(savedFile, 'utf8')));
  return dir;
}

/** moto processes this test process started and did not stop. */
function motoChildren(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('moto_server.py'));
}

test.each([
  ['damaged (a byte changed)', () => damaged((t) => t.replace('"organizationId":"o-', '"organizationId":"x-')), /does not match its checksum/],
  ['cut short (a killed copy)', () => damaged((t) => t.slice(0, Math.floor(t.length / 2))), /does not match its checksum/],
  ['not a saved state', () => damaged(() => '{"hello":"world"}\n{}\n'), /it is not a saved sandbox state/],
  ['another format version', () => variant((h) => (h.version = 99)), /format version 99, this sandbox reads version 1/],
  ['another moto', () => variant((h) => ((h.moto as Record<string, unknown>).moto = '4.0.0')), /holds the state of moto 4\.0\.0 on Python .*this sandbox runs moto 5\.2\.5/],
  ['a gateway field this code does not have', () => variant((_, b) => ((b.gateway as Record<string, unknown>).retiredField = 1)), /SandboxState\.retiredField was saved, but this sandbox has no such field/],
  ['a gateway field of another kind', () => variant((_, b) => ((b.gateway as Record<string, unknown>).accounts = [])), /SandboxState\.accounts was saved as array, this sandbox keeps it as map/],
  ['a scheduled change of an unknown kind', () => variant((_, b) => ((b.gateway as Record<string, unknown>).scheduledChanges = [{ id: 'x', kind: 'mystery', dueAt: 1, payload: {} }])), /scheduled changes this sandbox does not know: mystery/],
  ['invalid settings', () => variant((_, b) => ((b.settings as Record<string, unknown>).timeScale = -1)), /its content does not fit this sandbox: settings\.timeScale/],
  ['a moto snapshot moto cannot load', () => variant((_, b) => (b.moto = Buffer.from('{"format":1,"moto":"5.2.5","python":"3.11"}\nnot a pickle').toString('base64'))), /moto could not load its snapshot/],
])('a saved state that is %s stops the start: the file named, how to discard it, nothing left running', async (_, make, reason) => {
  const dir = make();
  const file = path.join(dir, 'state.jsonl');
  const err = await rejection(startSandbox({ motoServerBin, dataDir: dir }));
  expect(err).toBeInstanceOf(SandboxStateFileError);
  expect(err.message).toMatch(reason);
  expect(err.message).toContain(`cannot restore the sandbox's saved AWS state from ${file}`);
  expect(err.message).toContain(`delete that file: rm '${file}'`);
  expect(motoChildren()).toEqual([]);
  // The file is left as it was, for the person to look at or delete.
  expect(readFileSync(file, 'utf8').length).toBeGreaterThan(0);
}, 30_000);

test('a save a kill interrupted (a temporary file) is removed at the next start, and the state file is used', async () => {
  const dir = dataDir();
  copyFileSync(savedFile, path.join(dir, 'state.jsonl'));
  writeFileSync(path.join(dir, 'state.jsonl.tmp-12345-1'), '{"format":"vend-sandbox-st');
  const lines: string[] = [];
  const sb = await startSandbox({ motoServerBin, dataDir: dir, log: (l) => lines.push(l) });
  running.push(sb);
  expect(lines.join('\n')).toMatch(/removed 1 unfinished save\(s\) of a killed run: state\.jsonl\.tmp-12345-1/);
  expect(lines.join('\n')).toMatch(/restored the AWS state saved .* 2 member accounts, 2 creation requests \(0 in progress\)/);
  expect(execFileSync('ls', [dir], { encoding: 'utf8' }).trim()).toBe('state.jsonl');
  await stop(sb);
});
