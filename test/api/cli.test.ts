/**
 * The `vend` CLI against the test API: the commands run in-process through `runCli` (what bin/vend.js calls, with the
 * same io), checking output and exit codes (0 done, 1 refused / ended badly, 2 bad command line, 3 API unreachable);
 * one test runs `node bin/vend.js` as a user does, to show the exit codes reach the shell. (A child process per
 * command cost seconds of tsx start-up each.)
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { runCli } from '../../client/cli/main';
import { startTestEnv, type TestEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ api: true, sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());

type Run = { code: number; stdout: string; stderr: string };
const cliEnv = (extraEnv: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ ...process.env, VEND_API_URL: env.apiUrl, VEND_TOKEN: 'dev-requester', ...extraEnv });

async function vend(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { env: cliEnv(extraEnv), stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** `node bin/vend.js ...` in a child process, as a user runs it. */
function vendProcess(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'vend.js'), ...args], { cwd: ROOT, env: cliEnv(extraEnv), timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('bin/vend.js as a user runs it: output on stdout and stderr, the exit code reaches the shell', async () => {
  const [done, usage, unreachable] = await Promise.all([
    vendProcess(['iam-policy', '--member-role', 'FromTheShell']),
    vendProcess(['request', '--name', 'cli-bad', '--email', 'not-an-email', '--ou', 'Workloads']),
    vendProcess(['status', 'vend-000000000000000000000000', '--api', 'http://127.0.0.1:9']),
  ]);
  expect(done).toMatchObject({ code: 0, stderr: '' });
  expect(done.stdout).toContain('role/FromTheShell');
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('--email: not a valid email address');
  expect(unreachable.code).toBe(3);
  expect(unreachable.stderr).toContain('cannot reach the vending API');
});

test('request, status, watch and list: a request from the command line to a completed account', async () => {
  const requested = await vend(['request', '--name', 'cli-one', '--email', 'cli-one@example.com', '--ou', 'Workloads', '--tag', 'team=platform']);
  expect(requested).toMatchObject({ code: 0, stderr: '' });
  const id = /accepted: (vend-[0-9a-f]{24}) \(stage preflight\)/.exec(requested.stdout)?.[1];
  expect(id).toBeDefined();

  const status = await vend(['status', id!, '--json']);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ id, requester: 'alice' });

  // watch follows the stages until the end; exit 0 because it completed.
  const watched = await vend(['watch', 'cli-one@example.com', '--interval', '200', '--timeout', '45']);
  expect(watched.code).toBe(0);
  expect(watched.stdout).toMatch(/preflight[\s\S]*creating[\s\S]*completed/);

  const human = await vend(['status', 'cli-one@example.com']);
  expect(human.stdout).toMatch(new RegExp(`^${id}  completed`));
  expect(human.stdout).toMatch(/account: +\d{12}/);

  const listed = await vend(['list', '--requester', 'alice', '--stage', 'completed']);
  expect(listed.code).toBe(0);
  expect(listed.stdout).toContain(id);
}, 180_000);

test('failures have clear messages and non-zero exit codes', async () => {
  const invalid = await vend(['request', '--name', 'cli-bad', '--email', 'not-an-email', '--ou', 'Workloads']);
  expect(invalid.code).toBe(2);
  expect(invalid.stderr).toContain('--email: not a valid email address');

  const missingOption = await vend(['request', '--name', 'cli-bad']);
  expect(missingOption.code).toBe(2);
  expect(missingOption.stderr).toMatch(/required option/);

  const noToken = await vend(['status', 'vend-000000000000000000000000'], { VEND_TOKEN: '' });
  expect(noToken.code).toBe(1);
  expect(noToken.stderr).toContain('401 UNAUTHENTICATED');

  const unknown = await vend(['status', 'vend-000000000000000000000000']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('404 REQUEST_NOT_FOUND');

  const notApprover = await vend(['approve', 'vend-000000000000000000000000', '--reason', 'ok']);
  expect(notApprover.code).toBe(1);
  expect(notApprover.stderr).toContain('403');

  const unreachable = await vend(['status', 'vend-000000000000000000000000', '--api', 'http://127.0.0.1:9']);
  expect(unreachable.code).toBe(3);
  expect(unreachable.stderr).toContain('cannot reach the vending API');

  const badRef = await vend(['status', 'not-a-request']);
  expect(badRef.code).toBe(2);
});

/** Raw control and format characters a terminal would act on (the CLI's own line breaks aside). */
const RAW_UNSAFE = /[\p{Cf}\p{Zl}\p{Zp}]|[^\P{Cc}\n]/u;

test('text from the API is printed with control and format characters escaped, in every field and in --json', async () => {
  // An API answering with what a hostile decider or requester could have typed: a fake line, a bidi override, ...
  const fakeLine = '\u001b[2K\r\u001b[1A  decision:       approve-remediation by security-lead';
  const hostile = (label: string) => `${label}${fakeLine}\u202edesrever\u0085\u200b\u2028\u0007`;
  const id = 'vend-0123456789abcdef01234567';
  const view = {
    id,
    stage: 'completed',
    requester: hostile('requester'),
    accountId: hostile('account'),
    execution: 'COMPLETED',
    billingAccess: { verdict: 'off', evidence: [{ source: hostile('source'), indicates: 'off', detail: hostile('detail') }] },
    decision: { decision: 'reject', reason: hostile('reason'), decidedBy: hostile('decider'), decidedAt: '2026-01-01T00:00:00Z' },
    rootWindow: { closedBecause: hostile('closed') },
    failure: { message: hostile('failure') },
    timeline: [{ stage: 'completed', enteredAt: '2026-01-01T00:00:00Z', note: hostile('note') }],
  };
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET' && req.url === `/v1/account-requests/${id}`) return res.end(JSON.stringify(view));
    if (req.url?.startsWith('/v1/account-requests?')) {
      return res.end(JSON.stringify({ items: [{ id, stage: 'completed', requester: hostile('requester'), accountId: hostile('acct'), startedAt: 'x' }], nextPageToken: hostile('token') }));
    }
    res.statusCode = 409;
    res.end(JSON.stringify({ error: { code: hostile('CODE'), message: hostile('message') } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const runs = {
      status: await vend(['status', id], { VEND_API_URL: fake }),
      statusJson: await vend(['status', id, '--json'], { VEND_API_URL: fake }),
      list: await vend(['list', '--stage', 'completed'], { VEND_API_URL: fake }),
      watchJson: await vend(['watch', id, '--interval', '100', '--json'], { VEND_API_URL: fake }),
      refused: await vend(['cancel', id], { VEND_API_URL: fake }),
    };
    for (const [name, run] of Object.entries(runs)) {
      expect({ name, stdout: RAW_UNSAFE.test(run.stdout), stderr: RAW_UNSAFE.test(run.stderr) }).toEqual({ name, stdout: false, stderr: false });
    }
    // Escaped, not dropped: the reader still sees that something was there, and each field stays on its line.
    expect(runs.status.stdout).toContain('reason\\x1B[2K\\x0D\\x1B[1A  decision:');
    expect(runs.status.stdout).toContain('\\u{202E}desrever\\x85\\u{200B}\\u{2028}\\x07');
    expect(runs.status.stdout.split('\n').filter((line) => line.startsWith('  decision:'))).toHaveLength(1);
    expect(JSON.parse(runs.statusJson.stdout)).toEqual(view); // --json still means the same JSON
    expect(runs.list.stdout).toContain('requester\\x1B[2K');
    expect(runs.refused.code).toBe(1);
    expect(runs.refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(runs.refused.stderr).toContain('409 CODE\\x1B[2K');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('iam-policy prints the worker policy for the member role it is given (flag, then VEND_MEMBER_ROLE_NAME)', async () => {
  const statement = (policy: { Statement: { Action: string[]; Resource: string }[] }, action: string) =>
    policy.Statement.find((s) => s.Action.includes(action));
  const flagged = await vend(['iam-policy', '--member-role', 'VendAccess-Role.1'], { VEND_MEMBER_ROLE_NAME: 'Ignored' });
  expect(flagged).toMatchObject({ code: 0, stderr: '' });
  const policy = JSON.parse(flagged.stdout);
  expect(statement(policy, 'sts:AssumeRole')?.Resource).toBe('arn:aws:iam::*:role/VendAccess-Role.1');
  expect(statement(policy, 'sts:AssumeRoot')?.Resource).toBe('arn:aws:iam::*:root');

  const fromEnv = JSON.parse((await vend(['iam-policy'], { VEND_MEMBER_ROLE_NAME: 'FromEnvRole' })).stdout);
  expect(statement(fromEnv, 'sts:AssumeRole')?.Resource).toBe('arn:aws:iam::*:role/FromEnvRole');
  const byDefault = JSON.parse((await vend(['iam-policy'], { VEND_MEMBER_ROLE_NAME: '' })).stdout);
  expect(statement(byDefault, 'sts:AssumeRole')?.Resource).toBe('arn:aws:iam::*:role/OrganizationAccountAccessRole');

  const invalid = await vend(['iam-policy', '--member-role', 'role/with"quote']);
  expect(invalid.code).toBe(2);
  expect(invalid.stderr).toContain('--member-role / VEND_MEMBER_ROLE_NAME: an IAM role name');
});
