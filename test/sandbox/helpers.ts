/** Shared by the sandbox tests: one sandbox per test file, SDK clients pointed at it, the control API. */
import { AccountClient } from '@aws-sdk/client-account';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { IAMClient } from '@aws-sdk/client-iam';
import { DescribeCreateAccountStatusCommand, OrganizationsClient, CreateAccountCommand } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startSandbox, type RunningSandbox, type SandboxSettings } from '../../sandbox';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export async function startTestSandbox(settings: Partial<SandboxSettings> = {}): Promise<RunningSandbox> {
  const motoServerBin = process.env.VEND_TEST_MOTO_SERVER;
  if (!motoServerBin) throw new Error('VEND_TEST_MOTO_SERVER is not set: run through jest (global setup)');
  return startSandbox({ motoServerBin, settings });
}

export interface ClientOptions {
  credentials?: Creds;
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  endpoint?: string;
}

function config(sb: RunningSandbox, o: ClientOptions) {
  return {
    endpoint: o.endpoint ?? sb.endpoint,
    region: sb.region,
    credentials: o.credentials ?? sb.credentials,
    // Most tests assert the first answer; retries are switched on where a test is about them.
    maxAttempts: o.maxAttempts ?? 1,
    ...(o.retryMode ? { retryMode: o.retryMode } : {}),
  };
}

export function clients(sb: RunningSandbox, o: ClientOptions = {}) {
  const c = config(sb, o);
  return {
    organizations: new OrganizationsClient(c),
    sts: new STSClient(c),
    iam: new IAMClient(c),
    costExplorer: new CostExplorerClient(c),
    cloudTrail: new CloudTrailClient(c),
    account: new AccountClient(c),
  };
}

export async function control<T = Record<string, unknown>>(
  sb: RunningSandbox,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sb.endpoint}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** CreateAccount and wait until SUCCEEDED; returns the account id. */
export async function createAccount(sb: RunningSandbox, email: string, name = email.split('@')[0]): Promise<string> {
  const { organizations } = clients(sb, { maxAttempts: 10 });
  const created = await organizations.send(new CreateAccountCommand({ Email: email, AccountName: name }));
  const id = created.CreateAccountStatus!.Id!;
  return waitFor(`account ${email}`, async () => {
    const s = await organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: id }));
    if (s.CreateAccountStatus?.State === 'FAILED') throw new Error(`creation failed: ${s.CreateAccountStatus.FailureReason}`);
    return s.CreateAccountStatus?.AccountId;
  });
}

/** AssumeRole into the account's OrganizationAccountAccessRole, waiting out the not-ready window. */
export async function assumeMemberRole(sb: RunningSandbox, accountId: string): Promise<Creds> {
  const { sts } = clients(sb);
  return waitFor(`AssumeRole into ${accountId}`, async () => {
    try {
      const r = await sts.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'test' }),
      );
      const c = r.Credentials!;
      return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
    } catch (err) {
      if ((err as Error).name === 'AccessDenied') return undefined;
      throw err;
    }
  });
}

/** The SDK's rejection, for asserting exception classes and fields. */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}
