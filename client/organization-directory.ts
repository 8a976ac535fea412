/**
 * The organization directory from the API's side: it reads the directory workflow's memo to check a request's OU
 * without calling AWS (contract/organization-directory.ts; the worker starts it: worker/organization-directory.ts).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { matchOrganizationalUnit, ORGANIZATION_DIRECTORY_MEMO_KEY, organizationDirectoryWorkflowId, refreshOrganizationDirectorySignal, type OrganizationDirectory } from '../contract/organization-directory';

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

export { matchOrganizationalUnit };
