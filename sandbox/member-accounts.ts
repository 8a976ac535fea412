/**
 * Member accounts that joined the organization by other means (invited, created by another tool or in the console):
 * made straight in moto, without CreateAccount's lifecycle or limits, and placed in an OU. Tests and benchmarks use
 * them for an organization of realistic size in seconds, and as accounts this engine did not vend.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { type SandboxContext } from './context';

const ORG = 'AWSOrganizationsV20161128';

export const MemberAccountsSchema = z
  .object({
    count: z.number().int().min(1).max(1_000),
    /** An OU of the seeded organization by name (Workloads) or any OU by id; default the root. */
    organizationalUnit: z.string().min(1).max(128).optional(),
    namePrefix: z.string().regex(/^[a-z0-9-]{1,20}$/, 'lower-case letters, digits and -').default('member'),
  })
  .strict();
export type MemberAccountsInput = z.infer<typeof MemberAccountsSchema>;

export async function addMemberAccounts(ctx: SandboxContext, input: MemberAccountsInput): Promise<{ accountIds: string[] }> {
  const org = ctx.organization();
  const target = input.organizationalUnit ? (org.organizationalUnits[input.organizationalUnit] ?? input.organizationalUnit) : undefined;
  const batch = randomBytes(4).toString('hex');
  const accountIds: string[] = [];
  for (let i = 0; i < input.count; i++) {
    const name = `${input.namePrefix}-${batch}-${i}`;
    const created = await ctx.moto.json<{ CreateAccountStatus: { AccountId: string } }>('organizations', `${ORG}.CreateAccount`, {
      Email: `${name}@example.com`,
      AccountName: name,
    });
    const accountId = created.CreateAccountStatus.AccountId;
    if (target) {
      await ctx.moto.json('organizations', `${ORG}.MoveAccount`, { AccountId: accountId, SourceParentId: org.rootId, DestinationParentId: target });
    }
    const now = Date.now();
    ctx.state.accounts.set(accountId, {
      accountId,
      name,
      email: `${name}@example.com`,
      roleName: 'OrganizationAccountAccessRole',
      createdAt: now,
      readyAt: now,
      billingAccess: ctx.state.linkedAccountAccess,
    });
    accountIds.push(accountId);
  }
  return { accountIds };
}
