/**
 * STS: AssumeRole goes to moto, but the gateway first refuses what real AWS refuses (accounts that do not exist or
 * are not ready yet, a role the account does not have) and afterwards records which account the returned keys belong
 * to. AssumeRoot belongs to root-access.ts; GetCallerIdentity for root sessions is answered here.
 */
import { type SandboxContext } from './context';
import { recordAssumedRole } from './identity';
import { assumeRoot } from './root-access';
import { type Principal } from './state';
import { queryError, queryResult, type AwsRequest, type Reply } from './wire';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

export async function handleSts(ctx: SandboxContext, req: AwsRequest, principal: Principal): Promise<Reply> {
  switch (req.operation) {
    case 'AssumeRole':
      return assumeRole(ctx, req, principal);
    case 'AssumeRoot':
      return assumeRoot(ctx, req, principal);
    case 'GetCallerIdentity':
      if (principal.kind === 'root-session') {
        return queryResult(req, { UserId: principal.accountId, Account: principal.accountId, Arn: principal.arn });
      }
      return ctx.moto.forward(req.method, req.path, req.headers, req.body);
    default:
      return ctx.moto.forward(req.method, req.path, req.headers, req.body);
  }
}

async function assumeRole(ctx: SandboxContext, req: AwsRequest, principal: Principal): Promise<Reply> {
  const roleArn = req.query.get('RoleArn') ?? '';
  const match = ROLE_ARN.exec(roleArn);
  const denied = () =>
    queryError(req, 'AccessDenied', `User: ${principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  if (match) {
    const [, accountId, roleName] = match;
    if (accountId !== ctx.organization().managementAccountId) {
      const account = ctx.state.accounts.get(accountId);
      // Real AWS: unknown accounts and roles are AccessDenied, and so is a brand-new account for a few minutes.
      if (!account || account.roleName !== roleName || Date.now() < account.readyAt) return denied();
    }
  }
  const reply = await ctx.moto.forward(req.method, req.path, req.headers, req.body);
  if (reply.status === 200 && match) {
    const xml = reply.body.toString();
    const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(xml)?.[1];
    const arn = /<AssumedRoleUser>[\s\S]*?<Arn>([^<]+)<\/Arn>/.exec(xml)?.[1] ?? roleArn;
    if (accessKeyId) recordAssumedRole(ctx, accessKeyId, match[1], arn);
  }
  return reply;
}
