/**
 * Lists the organization's OUs (ids, names, paths) and its accounts for the organization-directory workflow, which
 * publishes them to the API. A breadth-first walk from the root: one ListRoots, then ListOrganizationalUnitsForParent
 * per OU; then ListAccountsForParent per parent.
 */
import { ListRootsCommand, paginateListOrganizationalUnitsForParent } from '@aws-sdk/client-organizations';
import { type OrganizationalUnitEntry, type OrganizationListing } from '../contract/organization-directory';
import { listAccountsByParent, managementAccountIdOf } from './account-directory';
import { type AwsClients } from './aws-clients';
import { nonRetryable } from './errors';
import { classify } from './organizations';

export function createOrganizationDirectoryActivities(aws: AwsClients) {
  return {
    async listOrganizationalUnits(): Promise<OrganizationListing> {
      const org = aws.organizations;
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
      // The accounts too, and the management account: the closure API's refusals read them (activities/account-directory.ts).
      const accountsListedAt = new Date().toISOString();
      const accounts = await listAccountsByParent(org, [rootId, ...units.map((u) => u.id)]);
      const managementAccountId = await managementAccountIdOf(org);
      return { rootId, units, accounts, accountsListedAt, ...(managementAccountId ? { managementAccountId } : {}) };
    },
  };
}
