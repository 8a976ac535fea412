/**
 * A request whose blueprint uses every step (blueprints/standard-workload.yaml), through the API: it ends completed
 * with every step's outcome in GET and in the Web UI's current details, and the sandbox shows what each step made.
 * Then the API's refusals: an unknown blueprint is a 422 and starts nothing.
 */
import { GetAlternateContactCommand, GetContactInformationCommand } from '@aws-sdk/client-account';
import { DescribeBudgetCommand, DescribeNotificationsForBudgetCommand } from '@aws-sdk/client-budgets';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { ListPoliciesForTargetCommand } from '@aws-sdk/client-organizations';
import { ListAccountAssignmentsCommand, ListInstancesCommand, ListPermissionSetsCommand } from '@aws-sdk/client-sso-admin';
import { exampleBlueprints } from '../support/baseline';
import { startTestEnv, type TestEnv } from '../support/env';
import { api, waitFor } from '../support/http';
import { sandboxControl } from '../support/vending';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ api: true, blueprints: exampleBlueprints(), sandbox: { timeScale: 20 } });
});
afterAll(async () => env?.stop());

test('every step ends done with its outcome in GET and the current details; the sandbox shows what each made', async () => {
  const created = await api(env.apiUrl!, 'POST', '/v1/account-requests', {
    token: 'dev-requester',
    body: { accountName: 'day-one', email: 'day-one@example.com', organizationalUnit: 'Workloads', blueprint: 'standard-workload' },
  });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  const view = await waitFor(
    'the request to end',
    async () => {
      const res = await api(env.apiUrl!, 'GET', `/v1/account-requests/${id}`, { token: 'dev-admin' });
      return res.body.execution !== 'RUNNING' ? res.body : undefined;
    },
    120_000,
    250,
  );
  expect(view.stage).toBe('completed');
  const steps = view.baseline.steps as { step: string; state: string; outcome: string; runs: number }[];
  expect(steps.map((s) => s.step)).toEqual(['identity-center', 'regions', 'contacts', 'budget', 'default-vpcs', 'guardrails']);
  for (const s of steps) {
    expect(s.state).toBe('done');
    expect(s.runs).toBe(1);
    expect(s.outcome.length).toBeGreaterThan(0);
  }
  expect(view.baseline.blueprint).toEqual({ name: 'standard-workload', version: 1 });
  expect(steps.find((s) => s.step === 'identity-center')?.outcome).toMatch(/4 assignment\(s\) in place/);
  expect(steps.find((s) => s.step === 'regions')?.outcome).toMatch(/eu-south-1.*me-south-1.*ap-east-1/);
  // The timeline has the baseline stage and a line per step.
  const stages = (view.timeline as { stage: string; note?: string }[]).map((t) => t.stage);
  expect(stages).toContain('baselining');
  for (const s of steps) expect(view.timeline.some((t: { note?: string }) => t.note?.startsWith(`${s.step}: `))).toBe(true);

  // The Web UI's current details: the step table with every outcome.
  const metadata = (await env.client.workflow.getHandle(id).query('__temporal_workflow_metadata')) as { currentDetails?: string };
  expect(metadata.currentDetails).toMatch(/^\*\*completed\*\*/);
  for (const s of steps) expect(metadata.currentDetails).toContain(`| ${s.step} | done |`);
  // And each step's activity carries a summary naming its step (the Web UI shows it in the event history).
  const history = await env.client.workflow.getHandle(id).fetchHistory();
  const summaries = (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString('utf8'));
  for (const s of steps) expect(summaries.some((text) => text.includes(`Baseline ${s.step}`))).toBe(true);

  const accountId = view.accountId as string;
  // Identity Center: the three groups and the requester, each with its permission set.
  const { Instances } = await env.aws.ssoAdmin.send(new ListInstancesCommand({}));
  const instanceArn = Instances![0].InstanceArn!;
  const { PermissionSets } = await env.aws.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn }));
  let assignments = 0;
  for (const arn of PermissionSets ?? []) {
    const { AccountAssignments } = await env.aws.ssoAdmin.send(new ListAccountAssignmentsCommand({ InstanceArn: instanceArn, AccountId: accountId, PermissionSetArn: arn }));
    assignments += AccountAssignments?.length ?? 0;
  }
  expect(assignments).toBe(4);
  const sandbox = await sandboxControl(env, 'GET', `/accounts/${accountId}/baseline`);
  for (const region of ['eu-south-1', 'me-south-1', 'ap-east-1']) expect(sandbox.body.regions[region]).toBe('ENABLED');
  expect(sandbox.body.regions['af-south-1']).toBe('DISABLED');
  // Contacts.
  const { ContactInformation } = await env.aws.account.send(new GetContactInformationCommand({ AccountId: accountId }));
  expect(ContactInformation).toMatchObject({ FullName: 'Platform Team', CountryCode: 'DE', PhoneNumber: '+49 30 1234567' });
  const { AlternateContact } = await env.aws.account.send(new GetAlternateContactCommand({ AccountId: accountId, AlternateContactType: 'SECURITY' }));
  expect(AlternateContact?.EmailAddress).toBe('security@example.com');
  // The budget, from inside the account.
  const session = await env.aws.memberSession(accountId);
  const { Budget } = await session.budgets.send(new DescribeBudgetCommand({ AccountId: accountId, BudgetName: 'monthly-cost' }));
  expect(Budget?.BudgetLimit).toMatchObject({ Amount: expect.stringMatching(/^1000/), Unit: 'USD' });
  const { Notifications } = await session.budgets.send(new DescribeNotificationsForBudgetCommand({ AccountId: accountId, BudgetName: 'monthly-cost' }));
  expect(Notifications?.map((n) => n.Threshold).sort()).toEqual([100, 80]);
  // No default VPC in any enabled region.
  for (const [region, state] of Object.entries(sandbox.body.regions as Record<string, string>)) {
    if (state !== 'ENABLED' && state !== 'ENABLED_BY_DEFAULT') continue;
    const ec2 = session.ec2(region);
    const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    ec2.destroy();
    expect({ region, vpcs: Vpcs ?? [] }).toEqual({ region, vpcs: [] });
  }
  // The guardrails.
  const scps = await env.aws.organizations.send(new ListPoliciesForTargetCommand({ TargetId: accountId, Filter: 'SERVICE_CONTROL_POLICY' }));
  expect(scps.Policies?.map((p) => p.Name)).toEqual(expect.arrayContaining(['DenyLeavingOrganization', 'DenyRootUserActions']));
  const rcps = await env.aws.organizations.send(new ListPoliciesForTargetCommand({ TargetId: accountId, Filter: 'RESOURCE_CONTROL_POLICY' }));
  expect(rcps.Policies?.map((p) => p.Name)).toContain('EnforceSecureTransport');
  // Nothing done twice: each assignment created once.
  const state = await sandboxControl(env, 'GET', '/state');
  expect(Object.values(state.body.baseline.assignmentCreations as Record<string, number>).every((n) => n === 1)).toBe(true);
}, 180_000);

test('GET /v1/blueprints lists the example blueprints with their steps', async () => {
  const res = await api(env.apiUrl!, 'GET', '/v1/blueprints', { token: 'dev-requester' });
  expect(res.status).toBe(200);
  const standard = res.body.items.find((b: { name: string }) => b.name === 'standard-workload');
  expect(standard).toMatchObject({ version: 1, defaultFor: ['Workloads'], steps: ['identity-center', 'regions', 'contacts', 'budget', 'default-vpcs', 'guardrails'] });
});

test('an unknown blueprint is a 422 naming the field, and nothing starts', async () => {
  const res = await api(env.apiUrl!, 'POST', '/v1/account-requests', {
    token: 'dev-requester',
    body: { accountName: 'no-such', email: 'no-such-blueprint@example.com', organizationalUnit: 'Workloads', blueprint: 'no-such-blueprint' },
  });
  expect(res.status).toBe(422);
  expect(res.body.error.code).toBe('UNKNOWN_BLUEPRINT');
  expect(res.body.error.details).toMatchObject({ field: 'body.blueprint', known: expect.arrayContaining(['standard-workload']) });
  const list = await api(env.apiUrl!, 'GET', '/v1/account-requests?email=no-such-blueprint@example.com', { token: 'dev-admin' });
  expect(list.body.items).toEqual([]);
});

test('a request naming no blueprint gets its OU\'s default (Sandbox: sandbox-minimal)', async () => {
  const created = await api(env.apiUrl!, 'POST', '/v1/account-requests', {
    token: 'dev-requester',
    body: { accountName: 'default-bp', email: 'default-bp@example.com', organizationalUnit: 'Sandbox' },
  });
  expect(created.status).toBe(202);
  const view = await waitFor(
    'the request to end',
    async () => {
      const res = await api(env.apiUrl!, 'GET', `/v1/account-requests/${created.body.id}`, { token: 'dev-admin' });
      return res.body.execution !== 'RUNNING' ? res.body : undefined;
    },
    120_000,
    250,
  );
  expect(view.stage).toBe('completed');
  expect(view.baseline.blueprint.name).toBe('sandbox-minimal');
  expect(view.baseline.steps.map((s: { step: string; state: string }) => `${s.step}:${s.state}`)).toEqual(['identity-center:done', 'budget:done', 'default-vpcs:done']);
}, 180_000);

test('vend blueprints lists them; vend status shows each baseline step and its outcome', async () => {
  const { runCli } = await import('../../client/cli/main');
  const run = async (args: string[], token = 'dev-admin') => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, { env: { VEND_API_URL: env.apiUrl, VEND_TOKEN: token }, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  };
  const listed = await run(['blueprints'], 'dev-requester');
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/standard-workload\s+1\s+Workloads\s+identity-center, regions, contacts, budget, default-vpcs, guardrails/);
  const status = await run(['status', 'day-one@example.com']);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/baseline:\s+standard-workload v1/);
  expect(status.stdout).toMatch(/- guardrails: done attached DenyLeavingOrganization/);
  const refused = await run(['request', '--name', 'x', '--email', 'cli-bp@example.com', '--ou', 'Workloads', '--blueprint', 'Not A Name'], 'dev-requester');
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('--blueprint');
});
