/**
 * Lists the organization's OUs (ids, names, paths) for the organization-directory workflow, which publishes them
 * to the API. A breadth-first walk from the root: one ListRoots, then ListOrganizationalUnitsForParent per OU.
 */
import { type OrganizationListing } from '../contract/organization-directory';
import { type AwsClients } from './aws-clients';
import { listOrganization } from './organization-structure';

export function createOrganizationDirectoryActivities(aws: AwsClients) {
  return {
    async listOrganizationalUnits(): Promise<OrganizationListing> {
      return listOrganization(aws.organizations);
    },
  };
}
