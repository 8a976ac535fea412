/**
 * The organization's member accounts and where each sits, for the organization directory (the closure API refuses
 * the management account and accounts in protected OUs from it, without calling AWS itself). One
 * ListAccountsForParent per parent (root and every OU) and one DescribeOrganization per listing.
 */
import { DescribeOrganizationCommand, paginateListAccountsForParent, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { type AccountEntry } from '../contract/organization-directory';
import { classify } from './errors';

export async function listAccountsByParent(org: OrganizationsClient, parentIds: string[]): Promise<AccountEntry[]> {
  const accounts: AccountEntry[] = [];
  for (const parentId of parentIds) {
    try {
      for await (const page of paginateListAccountsForParent({ client: org }, { ParentId: parentId })) {
        for (const account of page.Accounts ?? []) {
          if (!account.Id) continue;
          accounts.push({ id: account.Id, parentId, ...(account.Name ? { name: account.Name } : {}), ...(account.State ? { state: account.State } : {}) });
        }
      }
    } catch (err) {
      throw classify(err, 'ListAccountsForParent');
    }
  }
  return accounts;
}

export async function managementAccountIdOf(org: OrganizationsClient): Promise<string | undefined> {
  try {
    const { Organization } = await org.send(new DescribeOrganizationCommand({}));
    return Organization?.MasterAccountId;
  } catch (err) {
    throw classify(err, 'DescribeOrganization');
  }
}
