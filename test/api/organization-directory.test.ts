/**
 * The organization directory workflow against the sandbox and the Temporal dev server: it lists every OU with its
 * id, name and path, and its memo (what the API reads) is there at every moment, across continue-as-new.
 */
import { CreateOrganizationalUnitCommand } from '@aws-sdk/client-organizations';
import { OrganizationDirectoryReader } from '../../client/organization-directory';
import { ensureOrganizationDirectory } from '../../worker/organization-directory';
import { ORGANIZATION_DIRECTORY_MEMO_KEY, organizationDirectoryWorkflowId } from '../../contract/organization-directory';
import { waitFor } from '../support/http';
import { startTestEnv, type TestEnv } from '../support/env';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ sandbox: { timeScale: 10 } });
});
afterAll(async () => env?.stop());

test('lists every OU with its path; the memo never goes missing across continue-as-new; a second start joins the first', async () => {
  const { organizationalUnits } = env.sandbox.organization;
  const nested = await env.aws.organizations.send(new CreateOrganizationalUnitCommand({ ParentId: organizationalUnits.Workloads, Name: 'Payments' }));
  const handle = env.client.workflow.getHandle(organizationDirectoryWorkflowId(env.taskQueue));
  // The worker started it with the default interval; restart it listing every 200 ms, two listings per run.
  await handle.terminate('test: a faster directory');
  await ensureOrganizationDirectory(env.client, env.taskQueue, { refreshIntervalMs: 200, listingsPerRun: 2 });
  await ensureOrganizationDirectory(env.client, env.taskQueue, { refreshIntervalMs: 200, listingsPerRun: 2 }); // joins, no error

  const reader = new OrganizationDirectoryReader(env.client, env.taskQueue, 0);
  const listed = await waitFor('the nested OU to be listed', async () => {
    const directory = await reader.read();
    return directory?.units.some((u) => u.name === 'Payments') ? directory : undefined;
  });
  expect(listed.rootId).toBe(env.sandbox.organization.rootId);
  expect(listed.units).toEqual(
    expect.arrayContaining([
      { id: organizationalUnits.Workloads, name: 'Workloads', path: 'Workloads' },
      { id: organizationalUnits.Sandbox, name: 'Sandbox', path: 'Sandbox' },
      { id: nested.OrganizationalUnit!.Id, name: 'Payments', path: 'Workloads/Payments' },
    ]),
  );

  // Watch it continue as new a few times; every describe in between finds the directory in the memo.
  const runs = new Set<string>();
  let described = 0;
  while (runs.size < 4) {
    const description = await handle.describe();
    described += 1;
    runs.add(description.runId);
    expect({ runId: description.runId, hasDirectory: Boolean(description.memo?.[ORGANIZATION_DIRECTORY_MEMO_KEY]) }).toEqual({
      runId: description.runId,
      hasDirectory: true,
    });
    if (described > 2_000) throw new Error(`only ${runs.size} runs after ${described} describes`);
  }
  const final = await handle.describe();
  expect(final.status.name).toBe('RUNNING');
});
