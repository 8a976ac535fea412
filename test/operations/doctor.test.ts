/**
 * `vend doctor` as an operator runs it before the first request: `node bin/vend.js doctor` in a child process with the
 * worker's AWS settings pointed at this file's sandbox. Every precondition passes on the seeded organization; each
 * broken one (in the sandbox, through the SDK, or by the command line) is printed failing with its fix and the exit
 * code is non-zero. The check functions (client/doctor/checks.ts) are also driven in-process where the sandbox cannot
 * play the broken state (an organization in consolidated-billing mode).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  DisableAWSServiceAccessCommand,
  EnableAWSServiceAccessCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { runDoctor, LINKED_ACCOUNT_ACCESS_CONSOLE_PATH, type DoctorReport } from '../../client/doctor/checks';
import { LocalSandboxEnvSchema, localSandboxFilePath, writeLocalSandboxFile } from '../../config/local-sandbox';
import { sandboxWorkerEnv } from '../../sandbox';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';

const ROOT = path.resolve(__dirname, '..', '..');
const ALL_CHECKS = [
  'organization in all-features mode',
  "credentials of the organization's management account",
  'trusted access for IAM (iam.amazonaws.com)',
  'trusted access for Account Management (account.amazonaws.com)',
  'centralized root access features (RootCredentialsManagement, RootSessions)',
  'target OU Workloads exists',
  'account quota headroom',
  'Cost Explorer linked-account access',
];

let env: TestEnv;
beforeAll(async () => {
  // timeScale: the sandbox's throttle buckets refill faster, so many doctor runs in a row stay inside them.
  env = await startTestEnv({ worker: false, sandbox: { timeScale: 20 } });
});
afterAll(async () => env?.stop());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The worker's AWS settings, exactly the env names worker/config.ts reads. */
function awsEnv(): NodeJS.ProcessEnv {
  return {
    VEND_AWS_ENDPOINT: env.sandbox.endpoint,
    VEND_AWS_REGION: env.sandbox.region,
    VEND_AWS_ACCESS_KEY_ID: env.sandbox.credentials.accessKeyId,
    VEND_AWS_SECRET_ACCESS_KEY: env.sandbox.credentials.secretAccessKey,
    VEND_MEMBER_ROLE_NAME: 'OrganizationAccountAccessRole',
  };
}

function doctor(args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...awsEnv(), ...extraEnv };
  delete childEnv.VEND_ACCOUNT_QUOTA;
  if (extraEnv.VEND_ACCOUNT_QUOTA) childEnv.VEND_ACCOUNT_QUOTA = extraEnv.VEND_ACCOUNT_QUOTA;
  return vendDoctor(args, childEnv);
}

/** `vend doctor` with exactly this environment. */
function vendDoctor(args: string[], childEnv: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'vend.js'), 'doctor', ...args], { cwd: ROOT, env: childEnv, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The printed line of one check (`STATUS  title: detail`) and the `fix:` / `to do:` line under it, if any. */
function lineOf(run: Run, title: string): { status: string; text: string; fix?: string } {
  const lines = run.stdout.split('\n');
  const index = lines.findIndex((l) => /^(PASS|FAIL|CONFIRM) /.test(l) && l.includes(`  ${title}`));
  if (index < 0) throw new Error(`no line for "${title}" in:\n${run.stdout}`);
  const next = lines[index + 1] ?? '';
  return {
    status: lines[index].split(/\s+/)[0],
    text: lines[index],
    fix: /^\s+(fix|to do): /.test(next) ? next.trim() : undefined,
  };
}

function expectOnlyFailing(run: Run, failing: string[], total = ALL_CHECKS.length): void {
  for (const title of ALL_CHECKS.filter((t) => !failing.includes(t))) expect(lineOf(run, title).status).toBe('PASS');
  for (const title of failing) expect(lineOf(run, title).status).toBe('FAIL');
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`${failing.length} of ${total} organization checks failed`);
}

async function createMemberAccount(name: string): Promise<string> {
  const org = env.aws.organizations;
  const { CreateAccountStatus } = await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
  const accountId = await waitFor('account creation', async () => {
    const { CreateAccountStatus: s } = await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus!.Id }));
    if (s?.State === 'FAILED') throw new Error(`creation failed: ${s.FailureReason}`);
    return s?.State === 'SUCCEEDED' ? s.AccountId : undefined;
  });
  // Usable once its access role can be assumed (the sandbox refuses AssumeRole for a short while, like AWS).
  await waitFor('access role', async () => (await env.aws.memberSession(accountId!)) && true);
  return accountId!;
}

test('a fresh organization: every precondition passes, linked-account access is left to confirm by hand, exit 0', async () => {
  const run = await doctor();
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  for (const title of ALL_CHECKS.slice(0, -1)) expect(lineOf(run, title).status).toBe('PASS');
  // No member account yet to look from: the org setting cannot be read by any API, so a person confirms it once.
  const linked = lineOf(run, 'Cost Explorer linked-account access');
  expect(linked.status).toBe('CONFIRM');
  expect(linked.text).toContain('no active member account to look from');
  expect(linked.fix).toContain('no API can read this organization setting');
  expect(linked.fix).toContain(LINKED_ACCOUNT_ACCESS_CONSOLE_PATH);
  expect(lineOf(run, 'account quota headroom').text).toMatch(/1 of 10 accounts, 9 left \(AWS's default quota of 10 assumed; Service Quotas/);
  expect(run.stdout).toContain('7 passed, 0 failed, 1 to confirm by hand');
});

describe('with a member account to look from', () => {
  let memberAccountId: string;
  beforeAll(async () => {
    memberAccountId = await createMemberAccount('doctor-probe');
  });

  test('every precondition passes, linked-account access observed from inside the member account, exit 0', async () => {
    const run = await doctor();
    expect(run).toMatchObject({ code: 0, stderr: '' });
    for (const title of ALL_CHECKS) expect(lineOf(run, title).status).toBe('PASS');
    expect(lineOf(run, 'Cost Explorer linked-account access').text).toContain(`observed on from inside member account ${memberAccountId}`);
    expect(lineOf(run, 'target OU Workloads exists').text).toContain(env.sandbox.organization.organizationalUnits.Workloads);
    expect(run.stdout).toContain(`${ALL_CHECKS.length} passed, 0 failed, 0 to confirm by hand`);
    expect(run.stdout).not.toMatch(/^(FAIL|CONFIRM) /m);

    const json = await doctor(['--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.status)).toEqual(ALL_CHECKS.map(() => 'pass'));
  });

  test('centralized root access off: that check fails with the IAM calls that fix it, exit 1', async () => {
    env.sandbox.updateSettings({ rootAccessFeatures: false });
    try {
      const run = await doctor();
      expectOnlyFailing(run, ['centralized root access features (RootCredentialsManagement, RootSessions)']);
      const line = lineOf(run, 'centralized root access features');
      expect(line.text).toContain('not enabled: RootCredentialsManagement, RootSessions');
      expect(line.fix).toBe(
        'fix: `aws iam enable-organizations-root-credentials-management` and `aws iam enable-organizations-root-sessions` ' +
          '(after trusted access for iam.amazonaws.com)',
      );
    } finally {
      env.sandbox.updateSettings({ rootAccessFeatures: true });
    }
  });

  test('trusted access disabled through the SDK (Account Management, then IAM): each fails with its fix, exit 1', async () => {
    const org = env.aws.organizations;
    for (const [principal, title] of [
      ['account.amazonaws.com', 'trusted access for Account Management (account.amazonaws.com)'],
      ['iam.amazonaws.com', 'trusted access for IAM (iam.amazonaws.com)'],
    ]) {
      await org.send(new DisableAWSServiceAccessCommand({ ServicePrincipal: principal }));
      try {
        const run = await doctor();
        expectOnlyFailing(run, [title]);
        expect(lineOf(run, title).fix).toBe(`fix: aws organizations enable-aws-service-access --service-principal ${principal}`);
      } finally {
        await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: principal }));
      }
    }
    expect((await doctor()).code).toBe(0);
  });

  test('a target OU that does not exist fails with how to create it; the OUs that exist pass, exit 1', async () => {
    const run = await doctor(['--ou', 'Workloads', '--ou', 'Payments', '--ou', env.sandbox.organization.organizationalUnits.Sandbox]);
    expectOnlyFailing(run, ['target OU Payments exists'], ALL_CHECKS.length + 2);
    const missing = lineOf(run, 'target OU Payments exists');
    expect(missing.text).toContain('no OU with this name or id (the organization has: Sandbox, Workloads)');
    expect(missing.fix).toBe(
      `fix: create it: \`aws organizations create-organizational-unit --parent-id ${env.sandbox.organization.rootId} --name Payments\`, ` +
        'or pass the OUs you use with --ou',
    );
    expect(lineOf(run, `target OU ${env.sandbox.organization.organizationalUnits.Sandbox} exists`).status).toBe('PASS');
  });

  test('no account quota headroom (--account-quota or VEND_ACCOUNT_QUOTA) fails with where to raise it, exit 1', async () => {
    // The management account and the probe account: 2.
    const full = await doctor(['--account-quota', '2']);
    expectOnlyFailing(full, ['account quota headroom']);
    expect(lineOf(full, 'account quota headroom').text).toContain('2 accounts, the quota is 2 (quota as configured)');
    expect(lineOf(full, 'account quota headroom').fix).toContain('request an increase in Service Quotas');

    const fromEnv = await doctor([], { VEND_ACCOUNT_QUOTA: '2' });
    expect(fromEnv.code).toBe(1);
    const roomy = await doctor([], { VEND_ACCOUNT_QUOTA: '3' });
    expect(roomy.code).toBe(0);
    expect(lineOf(roomy, 'account quota headroom').text).toContain('2 of 3 accounts, 1 left (quota as configured)');
  });

  test("linked-account access off, as seen from inside the member account, fails with the console path, exit 1", async () => {
    env.sandbox.updateSettings({ linkedAccountAccess: false });
    try {
      const run = await doctor();
      expectOnlyFailing(run, ['Cost Explorer linked-account access']);
      const line = lineOf(run, 'Cost Explorer linked-account access');
      expect(line.text).toContain(`observed off from inside member account ${memberAccountId}`);
      expect(line.text).toContain('not enabled for cost explorer access');
      expect(line.fix).toContain(LINKED_ACCOUNT_ACCESS_CONSOLE_PATH);
    } finally {
      env.sandbox.updateSettings({ linkedAccountAccess: true });
    }
  });

  test('an organization in consolidated-billing mode fails the all-features check (check functions in-process)', async () => {
    // The sandbox's organization is always all-features; the answer of DescribeOrganization is replaced here.
    const organizations = new OrganizationsClient({
      region: env.sandbox.region,
      endpoint: env.sandbox.endpoint,
      credentials: env.sandbox.credentials,
    });
    const send = organizations.send.bind(organizations) as (command: unknown) => Promise<unknown>;
    (organizations as unknown as { send: (command: unknown) => Promise<unknown> }).send = async (command) => {
      const answer = await send(command);
      if (!(command instanceof DescribeOrganizationCommand)) return answer;
      const { Organization } = answer as { Organization: Record<string, unknown> };
      return { ...(answer as object), Organization: { ...Organization, FeatureSet: 'CONSOLIDATED_BILLING' } };
    };
    try {
      const report = await runDoctor(
        { ...env.aws, organizations },
        { organizationalUnits: ['Workloads'], memberRoleName: 'OrganizationAccountAccessRole' },
      );
      expect(report.ok).toBe(false);
      expect(report.checks.filter((c) => c.status !== 'pass').map((c) => c.id)).toEqual(['all-features']);
      expect(report.checks[0]).toMatchObject({
        status: 'fail',
        detail: `${env.sandbox.organization.organizationId} runs in CONSOLIDATED_BILLING mode`,
        fix: expect.stringContaining('aws organizations enable-all-features'),
      });
    } finally {
      organizations.destroy();
    }
  });
});

test('AWS unreachable (exit 3), no credentials (exit 2), a bad setting (exit 2): said plainly, nothing checked', async () => {
  const unreachable = await doctor([], { VEND_AWS_ENDPOINT: 'http://127.0.0.1:9' });
  expect(unreachable.code).toBe(3);
  expect(unreachable.stderr).toContain('cannot reach AWS');
  expect(unreachable.stdout).toBe('');

  // Real AWS (no endpoint) and nothing in the default credentials chain: the SDK finds no credentials before any call.
  const noCredentials = await doctor([], {
    VEND_AWS_MODE: 'aws',
    VEND_AWS_ENDPOINT: '',
    VEND_AWS_ACCESS_KEY_ID: '',
    VEND_AWS_SECRET_ACCESS_KEY: '',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: '',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    AWS_WEB_IDENTITY_TOKEN_FILE: '',
  });
  expect(noCredentials.code).toBe(2);
  expect(noCredentials.stderr).toContain('no AWS credentials');

  // The worker's own validation (workerConfigFromEnv): what would stop the worker stops the doctor.
  const badEndpoint = await doctor([], { VEND_AWS_ENDPOINT: 'not a url' });
  expect(badEndpoint.code).toBe(2);
  expect(badEndpoint.stderr).toMatch(/invalid configuration:[\s\S]*endpoint/);

  const badQuota = await doctor(['--account-quota', 'ten']);
  expect(badQuota.code).toBe(2);
  expect(badQuota.stderr).toContain('--account-quota');
});

describe('an environment that names no AWS: the local sandbox of a running npm start (config/local-sandbox.ts)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vend-doctor-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** A shell with no AWS of its own: no VEND_AWS_*, no AWS_PROFILE or keys, no credentials files, no instance role. */
  function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_EC2_METADATA_DISABLED: 'true',
      VEND_DATA_DIR: dataDir,
      ...extra,
    };
  }
  const publish = (ownerPid: number) =>
    writeLocalSandboxFile(dataDir, { ownerPid, env: LocalSandboxEnvSchema.parse(sandboxWorkerEnv(env.sandbox)) });

  test('npm start running: its sandbox is checked and the report says so; an environment that names an AWS wins', async () => {
    const file = publish(process.pid);
    const run = await vendDoctor([], bareEnv());
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`AWS: ${env.sandbox.endpoint} (region ${env.sandbox.region})`);
    expect(run.stdout).toContain(`the local sandbox of npm start (pid ${process.pid}, ${file}); set VEND_AWS_MODE=aws to check real AWS`);
    expect(lineOf(run, 'organization in all-features mode').status).toBe('PASS');

    // Any AWS setting of its own (here an endpoint nobody listens on) is used as it is: the file is not read.
    const named = await vendDoctor([], bareEnv({ VEND_AWS_ENDPOINT: 'http://127.0.0.1:9', VEND_AWS_ACCESS_KEY_ID: 'k', VEND_AWS_SECRET_ACCESS_KEY: 's' }));
    expect(named.code).toBe(3);
    const profile = await vendDoctor([], bareEnv({ AWS_PROFILE: 'someone-else' }));
    expect(profile.code).toBe(2);
    expect(profile.stdout).not.toContain(env.sandbox.endpoint);
  });

  test('a file left by an npm start that is gone is not used: no credentials, and how to get a local sandbox', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    const pid = gone.pid!;
    await new Promise((resolve) => gone.once('exit', resolve));
    publish(pid);
    const run = await vendDoctor([], bareEnv());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no AWS credentials');
    expect(run.stderr).toContain(`for the local sandbox, run npm start: then \`npx vend doctor\` checks it (${localSandboxFilePath(dataDir)} is left from an npm start that is gone (pid ${pid}))`);
  });

  test('a damaged file is refused with its name and the fix, exit 2, nothing checked', async () => {
    writeFileSync(localSandboxFilePath(dataDir), JSON.stringify({ ownerPid: process.pid, env: { VEND_AWS_ENDPOINT: 'not a url' } }));
    const run = await vendDoctor([], bareEnv());
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${localSandboxFilePath(dataDir)} does not describe a local sandbox (env.VEND_AWS_MODE, env.VEND_AWS_ENDPOINT`);
    expect(run.stderr).toContain('delete it (npm start writes it again)');
  });
});
