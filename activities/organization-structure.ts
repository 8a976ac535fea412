/**
 * The organization's root and OUs: one breadth-first walk (ListRoots, then ListOrganizationalUnitsForParent per OU),
 * used by the preflight (and placement), the organization directory the API reads, and `vend doctor`. OUs are
 * matched by id, or by a name only one OU has (contract/organization-directory.ts).
 */
import { ListRootsCommand, paginateListOrganizationalUnitsForParent, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { matchOrganizationalUnit, type OrganizationalUnitEntry, type OrganizationListing } from '../contract/organization-directory';
import { classify, nonRetryable } from './errors';

/** Every OU below the root with its path; AWS errors are classified by name (throttling retried by Temporal). */
export async function listOrganization(org: OrganizationsClient): Promise<OrganizationListing> {
  let roots;
  try {
    roots = await org.send(new ListRootsCommand({}));
  } catch (err) {
    throw classify(err, 'ListRoots');
  }
  const rootId = roots.Roots?.[0]?.Id;
  if (!rootId) throw nonRetryable('PreflightFailed', 'the organization has no root');
  const units: OrganizationalUnitEntry[] = [];
  const queue: { id: string; path: string }[] = [{ id: rootId, path: '' }];
  while (queue.length > 0) {
    const parent = queue.shift() as { id: string; path: string };
    try {
      for await (const page of paginateListOrganizationalUnitsForParent({ client: org }, { ParentId: parent.id })) {
        for (const ou of page.OrganizationalUnits ?? []) {
          if (!ou.Id || !ou.Name) continue;
          const path = parent.path ? `${parent.path}/${ou.Name}` : ou.Name;
          units.push({ id: ou.Id, name: ou.Name, path });
          queue.push({ id: ou.Id, path });
        }
      }
    } catch (err) {
      throw classify(err, 'ListOrganizationalUnitsForParent');
    }
  }
  return { rootId, units };
}

/**
 * The listing, kept in the worker for a minute: every request resolves its OU twice (preflight, placement), and
 * ListRoots is limited to 1/s per organization: 100 requests at once would otherwise wait 200 s for it. A name not
 * found in a kept listing lists again (an OU created a moment ago).
 */
export class OrganizationStructureCache {
  private cached?: { listing: OrganizationListing; at: number };

  constructor(
    private readonly org: OrganizationsClient,
    private readonly ttlMs = 60_000,
  ) {}

  async listing(fresh = false): Promise<OrganizationListing> {
    if (!fresh && this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.listing;
    this.cached = { listing: await listOrganization(this.org), at: Date.now() };
    return this.cached.listing;
  }

  /** The OU's id; a final InvalidRequest when no OU, or more than one, answers to the name. */
  async resolve(nameOrId: string): Promise<string> {
    let match = matchOrganizationalUnit(await this.listing(), nameOrId);
    if (match.kind === 'unknown') match = matchOrganizationalUnit(await this.listing(true), nameOrId);
    if (match.kind === 'found') return match.unit.id;
    if (match.kind === 'ambiguous') {
      throw nonRetryable('InvalidRequest', `${match.units.length} OUs are named "${nameOrId}" (${match.units.map((u) => u.id).join(', ')}): request the account with the OU's id`);
    }
    throw nonRetryable('InvalidRequest', `organizational unit "${nameOrId}" does not exist in the organization`);
  }
}
