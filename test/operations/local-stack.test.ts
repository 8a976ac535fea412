/**
 * `npm start` as a developer runs it, with its output going into a pipe (as in CI): the whole local stack on free
 * ports and a fresh data folder. What it prints is JSON lines only, each naming its source; the AWS SDK's Node.js
 * notice is not repeated by every process; and both `vend doctor` command lines it prints check the sandbox's
 * organization and pass. After Ctrl-C the doctor no longer finds a local sandbox and says how to get one.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_SANDBOX_FILE_NAME } from '../../config/local-sandbox';
import { freePort, spawnManaged, type ManagedProcess } from '../../tooling/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vend-start-'));
const printed: { line: string; stream: 'stdout' | 'stderr' }[] = [];
let stack: ManagedProcess;
let banner: { doctor: { here: string; explicit: string; localSandboxFile: string }; sandbox: string };

/** A shell like a developer's, minus anything that would pick real AWS credentials or ask the npm registry. */
function shellEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_EC2_METADATA_DISABLED: 'true',
    npm_config_update_notifier: 'false',
  };
}

/** Runs a printed command line as a person pastes it into a shell in the checkout. */
function shell(commandLine: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', commandLine], { cwd: ROOT, env: shellEnv(), timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function tryJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Every stdout line as JSON (a line that is not fails the test here). */
function records(): Record<string, unknown>[] {
  return printed.filter((p) => p.stream === 'stdout').map((p) => JSON.parse(p.line) as Record<string, unknown>);
}

beforeAll(async () => {
  const [temporalPort, uiPort, sandboxPort, apiPort, metricsPort] = await Promise.all(Array.from({ length: 5 }, () => freePort()));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    SANDBOX_PORT: String(sandboxPort),
    API_PORT: String(apiPort),
    VEND_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    VEND_DATA_DIR: dataDir,
  };
  // The test run silences the SDK's notice for itself (test/support/global-setup.ts); npm start must do it on its own.
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  stack = spawnManaged('npm-start', path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env,
    onLine: (line, stream) => void printed.push({ line, stream }),
  });
  let exitCode: number | null | undefined;
  void stack.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + 300_000;
  for (;;) {
    const running = printed.map((p) => tryJson(p.line)).find((r) => r?.msg === 'account vending is running');
    if (running) {
      banner = running as unknown as typeof banner;
      return;
    }
    const output = () => printed.map((p) => p.line).join('\n');
    if (exitCode !== undefined) throw new Error(`npm start exited (code ${exitCode}) before it was up:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`npm start did not say it was running within 300 s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 330_000);

afterAll(async () => {
  await stack?.stop(60_000);
  rmSync(dataDir, { recursive: true, force: true });
}, 90_000);

test('through a pipe every line is a JSON record naming its source; the SDK notice is said once, by npm start', async () => {
  // The banner comes when the API listens; the worker may still be connecting. Its own pino record comes through with
  // its fields and the source added.
  const workerRunning = { source: 'worker', msg: 'worker running', service: 'vending-worker', level: 30 };
  for (let i = 0; i < 240 && !records().some((r) => expect.objectContaining(workerRunning).asymmetricMatch(r)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(printed.filter((p) => p.stream === 'stderr')).toEqual([]);
  const all = records();
  for (const r of all) expect(typeof r.source).toBe('string');
  expect(all).toContainEqual(expect.objectContaining(workerRunning));
  expect([...new Set(all.map((r) => r.source))]).toEqual(expect.arrayContaining(['npm-start', 'temporal', 'sandbox', 'worker', 'api']));

  expect(printed.map((p) => p.line).join('\n')).not.toContain('NodeVersionSupportWarning');
  const notices = all.filter((r) => typeof r.msg === 'string' && r.msg.includes('AWS SDK releases after January 2027'));
  expect(notices).toHaveLength(Number(process.versions.node.split('.')[0]) < 22 ? 1 : 0);
}, 150_000);

test('both doctor command lines npm start prints check the sandbox and pass', async () => {
  expect(banner.doctor.here).toBe(`VEND_DATA_DIR=${dataDir} npx vend doctor`);
  expect(banner.doctor.explicit).toMatch(/^VEND_AWS_ENDPOINT=\S+ VEND_AWS_REGION=\S+ VEND_AWS_ACCESS_KEY_ID=\S+ VEND_AWS_SECRET_ACCESS_KEY=\S+ npx vend doctor$/);
  expect(banner.doctor.explicit).toContain(`VEND_AWS_ENDPOINT=${banner.sandbox} `);

  const runs = [];
  for (const commandLine of [banner.doctor.here, banner.doctor.explicit]) {
    const run = await shell(commandLine);
    // stderr may carry the AWS SDK's own Node.js notice (this shell is the developer's, not npm start's), no error.
    expect({ commandLine, code: run.code, error: run.stderr.match(/^vend: .*/m)?.[0] }).toEqual({ commandLine, code: 0, error: undefined });
    expect(run.stdout).toContain(`AWS: ${banner.sandbox} (region us-east-1)`);
    expect(run.stdout).toMatch(/^PASS +organization in all-features mode/m);
    expect(run.stdout).toMatch(/^PASS +credentials of the organization's management account/m);
    expect(run.stdout).toMatch(/\d+ passed, 0 failed, \d+ to confirm by hand/);
    runs.push(run);
  }
  // The short one found the sandbox through npm start's file, and its report says so; the explicit one did not need it.
  expect(runs[0].stdout).toContain(`the local sandbox of npm start (pid `);
  expect(runs[0].stdout).toContain(banner.doctor.localSandboxFile);
  expect(runs[1].stdout).not.toContain('the local sandbox of npm start');
}, 300_000);

test('after Ctrl-C the file is gone and the doctor says there is no local sandbox', async () => {
  await stack.stop(60_000);
  expect(existsSync(path.join(dataDir, LOCAL_SANDBOX_FILE_NAME))).toBe(false);
  const run = await shell(banner.doctor.here);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('no AWS credentials');
  expect(run.stderr).toContain('for the local sandbox, run npm start');
}, 120_000);
