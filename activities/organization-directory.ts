/**
 * Lists the organization's OUs (ids, names, paths) and its accounts for the organization-directory workflow, which
 * publishes them to the API. The OU walk is the preflight's (organization-structure.ts); then ListAccountsForParent
 * per parent and DescribeOrganization for the management account (account-directory.ts).
 */
import { type OrganizationListing } from '../contract/organization-directory';
import { listAccountsByParent, managementAccountIdOf } from './account-directory';
import { type AwsClients } from './aws-clients';
import { listOrganization } from './organization-structure';

export function createOrganizationDirectoryActivities(aws: AwsClients) {
  return {
    async listOrganizationalUnits(): Promise<OrganizationListing> {
      const { rootId, units } = await listOrganization(aws.organizations);
      // The accounts too, and the management account: the closure API's refusals read them.
      const accountsListedAt = new Date().toISOString();
      const accounts = await listAccountsByParent(aws.organizations, [rootId, ...units.map((u) => u.id)]);
      const managementAccountId = await managementAccountIdOf(aws.organizations);
      return { rootId, units, accounts, accountsListedAt, ...(managementAccountId ? { managementAccountId } : {}) };
    },
  };
}
