/**
 * The `vend` CLI as a user runs it: `node bin/vend.js ...` in a child process against the test API, checking output
 * and exit codes (0 done, 1 refused / ended badly, 2 bad command line, 3 API unreachable).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startTestEnv, type TestEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ api: true, sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());

function vend(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin', 'vend.js'), ...args],
      { cwd: ROOT, env: { ...process.env, VEND_API_URL: env.apiUrl, VEND_TOKEN: 'dev-requester', ...extraEnv }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

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
}, 60_000);

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
