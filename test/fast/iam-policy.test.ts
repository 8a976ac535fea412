/**
 * The worker's least-privilege IAM policy (client/iam/worker-policy.ts, rendered for the default member role into
 * deploy/iam/worker-policy.json) against the AWS calls the activities really make with the worker's own
 * credentials: every call is allowed, nothing else is, AssumeRole names the configured member role and AssumeRoot is
 * limited to root users and the three IAM task policies. Calls made inside a member account (Cost Explorer,
 * CloudTrail through the access role) or inside a root session (IAM with the task policy's permissions) are not the
 * worker's and are checked separately.
 *
 * The scan cannot pass by finding nothing: every `.send(` in a file that imports an AWS SDK client must be a
 * `new <Name>Command(` whose name the scan attributes to a service, and calls known to exist must be among the found.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { renderWorkerPolicy, ROOT_TASK_POLICIES, workerPolicy } from '../../client/iam/worker-policy';

const ROOT = path.resolve(__dirname, '..', '..');
const ACTIVITIES = path.join(ROOT, 'activities');
/** Files whose IAM/CE/CloudTrail calls run with member-role or root-session credentials, not the worker's. */
const NOT_WORKER_CREDENTIALS = new Set(['root-access.ts', 'billing-access.ts']);
const SERVICE_PREFIX: Record<string, string> = {
  'client-organizations': 'organizations',
  'client-iam': 'iam',
  'client-sts': 'sts',
  'client-account': 'account',
  'client-cost-explorer': 'ce',
  'client-cloudtrail': 'cloudtrail',
  'client-sso-admin': 'sso',
  'client-identitystore': 'identitystore',
  'client-budgets': 'budgets',
  'client-ec2': 'ec2',
};
/** Services the activities reach only through a member session (the access role's credentials, not the worker's). */
const MEMBER_SESSION_SERVICES = new Set(['budgets', 'ec2']);
const MEMBER_SESSION_CALLS = [
  'budgets:DescribeBudget', 'budgets:CreateBudget', 'budgets:DescribeNotificationsForBudget', 'budgets:CreateNotification',
  'ec2:DescribeVpcs', 'ec2:DescribeInternetGateways', 'ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway', 'ec2:DescribeSubnets',
  'ec2:DeleteSubnet', 'ec2:DeleteVpc',
];
const workerCredentialCalls = (calls: Set<string>) => new Set([...calls].filter((c) => !MEMBER_SESSION_SERVICES.has(c.split(':')[0])));
const memberSessionCalls = (calls: Set<string>) => [...calls].filter((c) => MEMBER_SESSION_SERVICES.has(c.split(':')[0]));

interface Scan {
  calls: string[];
  /** What the scan could not attribute: a `.send(` of something else, a command or paginator from no known import. */
  unexplained: string[];
  importsSdk: boolean;
}

/** `service:Action` for every Command sent and every paginator used in a file, by the SDK package it is imported from. */
function scan(file: string): Scan {
  const source = readFileSync(file, 'utf8');
  const imported = new Map<string, string>(); // imported name -> service prefix
  let importsSdk = false;
  for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g)) {
    importsSdk = true;
    const service = SERVICE_PREFIX[match[2]];
    if (!service) throw new Error(`${path.basename(file)} imports @aws-sdk/${match[2]}, which this test does not know: add its IAM prefix`);
    for (const raw of match[1].split(',')) {
      const name = raw.replace(/\btype\b/, '').trim();
      if (name) imported.set(name, service);
    }
  }
  if (/from\s*'@aws-sdk\/client-[a-z0-9-]+'/.test(source.replace(/import\s*\{[^}]*\}\s*from\s*'@aws-sdk\/client-[a-z0-9-]+'/g, ''))) {
    throw new Error(`${path.basename(file)} imports an AWS SDK client in a form this scan does not read (import { ... } from only)`);
  }
  if (!importsSdk) return { calls: [], unexplained: [], importsSdk };

  const calls: string[] = [];
  const unexplained: string[] = [];
  const attribute = (name: string, action: string, what: string) => {
    const service = imported.get(name);
    if (service) calls.push(`${service}:${action}`);
    else unexplained.push(`${path.basename(file)}: ${what}`);
  };
  for (const send of source.matchAll(/\.send\(\s*(new\s+(\w+)Command\()?/g)) {
    if (send[2]) attribute(`${send[2]}Command`, send[2], `new ${send[2]}Command(`);
    else unexplained.push(`${path.basename(file)}: .send( of something other than new <Name>Command( at offset ${send.index}`);
  }
  for (const paginator of source.matchAll(/\b(paginate(\w+))\(/g)) attribute(paginator[1], paginator[2], `${paginator[1]}(`);
  return { calls, unexplained, importsSdk };
}

function activityCalls(filter: (file: string) => boolean): { calls: Set<string>; unexplained: string[]; files: Record<string, number> } {
  const calls = new Set<string>();
  const unexplained: string[] = [];
  const files: Record<string, number> = {};
  for (const file of readdirSync(ACTIVITIES).filter((f) => f.endsWith('.ts') && filter(f))) {
    const found = scan(path.join(ACTIVITIES, file));
    if (found.importsSdk) files[file] = found.calls.length;
    unexplained.push(...found.unexplained);
    for (const call of found.calls) calls.add(call);
  }
  return { calls, unexplained, files };
}

const fileText = readFileSync(path.join(ROOT, 'deploy', 'iam', 'worker-policy.json'), 'utf8');
const policy = JSON.parse(fileText) as ReturnType<typeof workerPolicy>;
const allowed = new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));
const statementFor = (p: ReturnType<typeof workerPolicy>, action: string) => p.Statement.find((s) => s.Action.includes(action));

test('the scan finds the calls: every SDK call in the activities is attributed, and known calls are among them', () => {
  const worker = activityCalls((f) => !NOT_WORKER_CREDENTIALS.has(f));
  const inside = activityCalls((f) => NOT_WORKER_CREDENTIALS.has(f));
  expect([...worker.unexplained, ...inside.unexplained]).toEqual([]);
  // Every file that imports an SDK client makes at least one call the scan sees.
  for (const [file, count] of Object.entries({ ...worker.files, ...inside.files })) expect({ file, found: count > 0 }).toEqual({ file, found: true });
  expect(Object.keys({ ...worker.files, ...inside.files }).length).toBeGreaterThanOrEqual(7);
  for (const known of ['organizations:CreateAccount', 'organizations:MoveAccount', 'organizations:ListRoots', 'organizations:ListOrganizationalUnitsForParent', 'organizations:ListAccounts', 'sts:AssumeRole', 'sts:AssumeRoot', 'account:PutAlternateContact', 'iam:ListOrganizationsFeatures']) {
    expect(worker.calls).toContain(known);
  }
  for (const known of ['ce:GetCostAndUsage', 'cloudtrail:LookupEvents', 'iam:DeleteLoginProfile', 'iam:CreateLoginProfile', 'iam:ListAccessKeys']) {
    expect(inside.calls).toContain(known);
  }
});

test('every AWS call the worker makes with its own credentials is allowed, and nothing more', () => {
  const calls = workerCredentialCalls(activityCalls((f) => !NOT_WORKER_CREDENTIALS.has(f)).calls);
  expect(calls.size).toBeGreaterThan(10);
  expect([...allowed].sort()).toEqual([...calls].sort());
  expect(policy.Statement.flatMap((s) => s.Action).some((a) => a.includes('*'))).toBe(false);
});

test('deploy/iam/worker-policy.json is the rendering for the default member role; another role is rendered into AssumeRole', () => {
  expect(fileText).toBe(renderWorkerPolicy());
  expect(statementFor(policy, 'sts:AssumeRole')?.Resource).toBe('arn:aws:iam::*:role/OrganizationAccountAccessRole');
  const custom = workerPolicy('VendAccessRole');
  expect(statementFor(custom, 'sts:AssumeRole')?.Resource).toBe('arn:aws:iam::*:role/VendAccessRole');
  // Only the role's name differs.
  expect(JSON.stringify(custom).replaceAll('VendAccessRole', 'OrganizationAccountAccessRole')).toBe(JSON.stringify(policy));
});

test('AssumeRoot is limited to member accounts’ root users and the three IAM task policies the root window uses', () => {
  const assumeRoot = statementFor(policy, 'sts:AssumeRoot');
  expect(assumeRoot?.Action).toEqual(['sts:AssumeRoot']);
  expect(assumeRoot?.Resource).toBe('arn:aws:iam::*:root');
  expect(assumeRoot?.Condition?.StringEquals?.['sts:TaskPolicyArn']?.sort()).toEqual(
    ['IAMAuditRootUserCredentials', 'IAMCreateRootUserPassword', 'IAMDeleteRootUserCredentials'].map(
      (name) => `arn:aws:iam::aws:policy/root-task/${name}`,
    ),
  );
  const rootSource = readFileSync(path.join(ACTIVITIES, 'root-access.ts'), 'utf8');
  const used = [...rootSource.matchAll(/session\(accountId, '(\w+)'\)/g)].map((m) => m[1]);
  expect(used.length).toBeGreaterThan(0);
  expect(new Set(used)).toEqual(new Set(ROOT_TASK_POLICIES));
});

test('the calls made inside member accounts and root sessions are the ones their roles and task policies allow', () => {
  const { calls: inside } = activityCalls((f) => NOT_WORKER_CREDENTIALS.has(f));
  expect(inside.size).toBeGreaterThan(5);
  // Root-session IAM calls must each be allowed by one of the three task policies.
  const taskPolicies = new Set([
    'iam:GetAccountSummary', 'iam:ListAccessKeys', 'iam:ListSigningCertificates', 'iam:ListMFADevices', 'iam:GetLoginProfile',
    'iam:CreateLoginProfile', 'iam:DeleteLoginProfile', 'iam:DeactivateMFADevice', 'iam:DeleteAccessKey', 'iam:DeleteSigningCertificate',
  ]);
  for (const call of inside) {
    if (call.startsWith('iam:')) expect(taskPolicies).toContain(call);
    else expect(['ce:GetCostAndUsage', 'cloudtrail:LookupEvents']).toContain(call);
  }
  // The baseline's Budgets and EC2 calls run inside the new account through its access role (AdministratorAccess by
  // default): the ones the steps need, found by the scan.
  const member = memberSessionCalls(activityCalls(() => true).calls);
  expect(member.sort()).toEqual([...MEMBER_SESSION_CALLS].sort());
});
