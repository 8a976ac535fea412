/**
 * The worker's least-privilege IAM policy (deploy/iam/worker-policy.json) against the AWS calls the activities really
 * make with the worker's own credentials: every call is allowed, nothing else is, and AssumeRoot is limited to the
 * three IAM task policies. Calls made inside a member account (Cost Explorer, CloudTrail through the access role) or
 * inside a root session (IAM with the task policy's permissions) are not the worker's and are listed separately.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

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
};

/** `service:Action` for every Command constructed and every paginator used in a file, by the SDK package imported. */
function callsIn(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const calls: string[] = [];
  for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z-]+)'/g)) {
    const service = SERVICE_PREFIX[match[2]];
    for (const raw of match[1].split(',')) {
      const name = raw.replace(/\btype\b/, '').trim();
      const command = /^(\w+)Command$/.exec(name)?.[1];
      const paginated = /^paginate(\w+)$/.exec(name)?.[1];
      const action = command ?? paginated;
      if (action && new RegExp(`\\b${name}\\b`).test(source.slice(match.index! + match[0].length))) {
        calls.push(`${service}:${action}`);
      }
    }
  }
  return calls;
}

function activityCalls(filter: (file: string) => boolean): Set<string> {
  const calls = new Set<string>();
  for (const file of readdirSync(ACTIVITIES).filter((f) => f.endsWith('.ts') && filter(f))) {
    for (const call of callsIn(path.join(ACTIVITIES, file))) calls.add(call);
  }
  return calls;
}

interface Statement {
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string[]>>;
}
const policy = JSON.parse(readFileSync(path.join(ROOT, 'deploy', 'iam', 'worker-policy.json'), 'utf8')) as { Statement: Statement[] };
const allowed = new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));

test('every AWS call the worker makes with its own credentials is allowed, and nothing more', () => {
  const workerCalls = activityCalls((f) => !NOT_WORKER_CREDENTIALS.has(f));
  expect(workerCalls.size).toBeGreaterThan(10);
  expect([...allowed].sort()).toEqual([...workerCalls].sort());
  expect(policy.Statement.flatMap((s) => s.Action).some((a) => a.includes('*'))).toBe(false);
});

test('AssumeRoot is limited to the three IAM task policies the root window uses', () => {
  const assumeRoot = policy.Statement.find((s) => s.Action.includes('sts:AssumeRoot'));
  expect(assumeRoot?.Condition?.StringEquals?.['sts:TaskPolicyArn']?.sort()).toEqual(
    ['IAMAuditRootUserCredentials', 'IAMCreateRootUserPassword', 'IAMDeleteRootUserCredentials'].map(
      (name) => `arn:aws:iam::aws:policy/root-task/${name}`,
    ),
  );
  const rootSource = readFileSync(path.join(ACTIVITIES, 'root-access.ts'), 'utf8');
  const used = [...rootSource.matchAll(/session\(accountId, '(\w+)'\)/g)].map((m) => m[1]);
  expect(new Set(used)).toEqual(new Set(['IAMAuditRootUserCredentials', 'IAMCreateRootUserPassword', 'IAMDeleteRootUserCredentials']));
});

test('the calls made inside member accounts and root sessions are the ones their roles and task policies allow', () => {
  const inside = activityCalls((f) => NOT_WORKER_CREDENTIALS.has(f));
  // Root-session IAM calls must each be allowed by one of the three task policies (reference/aws-facts.md).
  const taskPolicies = new Set([
    'iam:GetAccountSummary', 'iam:ListAccessKeys', 'iam:ListSigningCertificates', 'iam:ListMFADevices', 'iam:GetLoginProfile',
    'iam:CreateLoginProfile', 'iam:DeleteLoginProfile', 'iam:DeactivateMFADevice', 'iam:DeleteAccessKey', 'iam:DeleteSigningCertificate',
  ]);
  for (const call of inside) {
    if (call.startsWith('iam:')) expect(taskPolicies).toContain(call);
    else expect(['ce:GetCostAndUsage', 'cloudtrail:LookupEvents']).toContain(call);
  }
});
