/**
 * Who is calling: the access key id in the SigV4 Authorization header mapped to an account. Keys the gateway has
 * seen issued (moto's AssumeRole answers, our AssumeRoot) map to their target account; every other key is the
 * management account (moto's default account), like the sandbox's static credentials.
 */
import { type SandboxContext } from './context';
import { type Principal } from './state';
import { type AwsRequest } from './wire';

export function resolvePrincipal(ctx: SandboxContext, req: Pick<AwsRequest, 'accessKeyId'>): Principal {
  const known = req.accessKeyId ? ctx.state.principals.get(req.accessKeyId) : undefined;
  if (known) return known;
  const managementAccountId = ctx.organization().managementAccountId;
  return { accountId: managementAccountId, kind: 'management', arn: `arn:aws:iam::${managementAccountId}:user/moto` };
}

export function isManagement(ctx: SandboxContext, principal: Principal): boolean {
  return principal.kind !== 'root-session' && principal.accountId === ctx.organization().managementAccountId;
}

/** Remembers the account behind credentials returned by STS AssumeRole. */
export function recordAssumedRole(ctx: SandboxContext, accessKeyId: string, accountId: string, arn: string): void {
  ctx.state.principals.set(accessKeyId, { accountId, kind: 'assumed-role', arn });
}
