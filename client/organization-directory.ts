/**
 * The organization directory from the clients' side: the worker starts it (idempotently, at start), the API reads
 * it from the workflow's memo to check a request's OU without calling AWS (contract/organization-directory.ts).
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import {
  DEFAULT_ORGANIZATION_DIRECTORY_CONFIG,
  ORGANIZATION_DIRECTORY_MEMO_KEY,
  ORGANIZATION_DIRECTORY_WORKFLOW_TYPE,
  organizationDirectoryWorkflowId,
  refreshOrganizationDirectorySignal,
  type OrganizationalUnitEntry,
  type OrganizationDirectory,
  type OrganizationDirectoryConfig,
} from '../contract/organization-directory';

/** Starts the directory of this task queue unless it runs already (a worker restart, or several workers). */
export async function ensureOrganizationDirectory(
  client: Client,
  taskQueue: string,
  config: OrganizationDirectoryConfig = DEFAULT_ORGANIZATION_DIRECTORY_CONFIG,
): Promise<void> {
  await client.workflow.start(ORGANIZATION_DIRECTORY_WORKFLOW_TYPE, {
    workflowId: organizationDirectoryWorkflowId(taskQueue),
    taskQueue,
    args: [config],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: "Lists the organization's OUs every few minutes for the request API",
  });
}

/** The memo is read as outside input: a directory of another shape (an older or newer worker) counts as none. */
const OrganizationDirectorySchema = z.object({
  rootId: z.string(),
  listedAt: z.string(),
  units: z.array(z.object({ id: z.string(), name: z.string(), path: z.string() })),
  // Listed by workers from the closure feature on (contract/organization-directory.ts).
  managementAccountId: z.string().optional(),
  accounts: z.array(z.object({ id: z.string(), name: z.string().optional(), parentId: z.string(), state: z.string().optional() })).optional(),
  accountsListedAt: z.string().optional(),
});

export type OrganizationalUnitMatch =
  | { kind: 'found'; unit: OrganizationalUnitEntry }
  | { kind: 'unknown' }
  | { kind: 'ambiguous'; units: OrganizationalUnitEntry[] };

/** An OU given by id, or by a name that only one OU of the organization has. */
export function matchOrganizationalUnit(directory: OrganizationDirectory, nameOrId: string): OrganizationalUnitMatch {
  const byId = directory.units.find((unit) => unit.id === nameOrId);
  if (byId) return { kind: 'found', unit: byId };
  const byName = directory.units.filter((unit) => unit.name === nameOrId);
  if (byName.length === 1) return { kind: 'found', unit: byName[0] };
  return byName.length === 0 ? { kind: 'unknown' } : { kind: 'ambiguous', units: byName };
}

/**
 * Reads the directory through describe(), kept for a few seconds: a burst of POSTs costs one describe, and an OU
 * list a few seconds older than the worker's is no worse than one a few minutes old. A missing directory is not
 * kept, so the first answer after the worker has published one finds it.
 */
export class OrganizationDirectoryReader {
  private cached?: { directory: OrganizationDirectory; at: number };
  private inFlight?: Promise<OrganizationDirectory | undefined>;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly ttlMs = 5_000,
  ) {}

  async read(): Promise<OrganizationDirectory | undefined> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.directory;
    this.inFlight ??= this.describe().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Asks the worker to list the organization now and waits (at most `timeoutMs`) for a listing of the accounts that
   * began after the ask: an account made a moment ago is then known. Undefined when none came in time.
   */
  async refreshed(timeoutMs = 5_000): Promise<OrganizationDirectory | undefined> {
    const askedAt = Date.now();
    const handle = this.client.workflow.getHandle(organizationDirectoryWorkflowId(this.taskQueue));
    try {
      await handle.signal(refreshOrganizationDirectorySignal);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    while (Date.now() - askedAt < timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const directory = await this.describe();
      if (directory?.accountsListedAt && Date.parse(directory.accountsListedAt) > askedAt) return directory;
    }
    return undefined;
  }

  private async describe(): Promise<OrganizationDirectory | undefined> {
    let memo: Record<string, unknown> | undefined;
    try {
      memo = (await this.client.workflow.getHandle(organizationDirectoryWorkflowId(this.taskQueue)).describe()).memo;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    const parsed = OrganizationDirectorySchema.safeParse(memo?.[ORGANIZATION_DIRECTORY_MEMO_KEY]);
    if (!parsed.success) return undefined;
    this.cached = { directory: parsed.data, at: Date.now() };
    return parsed.data;
  }
}
