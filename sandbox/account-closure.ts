/**
 * CloseAccount as AWS does it, which moto (5.2.5) does not: moto's CloseAccount makes the account SUSPENDED at once
 * and knows no quota. The gateway answers CloseAccount itself: the management account only, never the management
 * account itself, the rolling quota (CLOSE_ACCOUNT_QUOTA_EXCEEDED) and the closures-at-once limit
 * (CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED), AccountAlreadyClosedException, AccountNotFoundException; then the account
 * is PENDING_CLOSURE for `closeAccountDurationMs`, SUSPENDED afterwards (moto's CloseAccount then, and CloudTrail's
 * `CloseAccountResult` event in the management account), and CLOSED once the reopen window has passed. DescribeAccount,
 * ListAccounts and ListAccountsForParent answer with the gateway's state. SUSPENDED accounts stay in moto's list, so
 * they keep counting toward the organization's account quota (and their email stays taken).
 */
import { randomUUID } from 'node:crypto';
import { type AccountClosureRecord, type ClosureState } from './account-closure-state';
import { wallMs, type SandboxContext } from './context';
import { isManagement } from './identity';
import { MotoError } from './moto';
import { type Principal, type ScheduledChange } from './state';
import { jsonError, jsonResult, type AwsRequest, type Reply } from './wire';

const ORG = 'AWSOrganizationsV20161128';
const ACCOUNT_ID = /^\d{12}$/;

/** The scheduled change that ends an account's PENDING_CLOSURE time (sandbox/scheduled-changes.ts). */
export const CLOSE_ACCOUNT_COMPLETION = 'close-account-completion';

/** The account's state as the gateway reports it: CLOSED once the reopen window has passed (computed, not timed). */
export function closureStateOf(ctx: SandboxContext, accountId: string, now = Date.now()): ClosureState | 'CLOSED' | undefined {
  const record = ctx.state.accountClosures.records.get(accountId);
  if (!record) return undefined;
  if (record.state === 'SUSPENDED' && record.suspendedAt !== undefined && now >= record.suspendedAt + wallMs(ctx, ctx.settings().closedAccountRetentionMs)) {
    return 'CLOSED';
  }
  return record.state;
}

/** The quota for this many member accounts, as the sandbox's settings say. */
export function sandboxClosureQuota(ctx: SandboxContext, memberAccounts: number): number {
  const s = ctx.settings();
  return Math.min(s.closeAccountQuotaMax, Math.max(s.closeAccountQuotaMin, Math.floor((memberAccounts * s.closeAccountQuotaPercent) / 100)));
}

export async function closeAccount(ctx: SandboxContext, req: AwsRequest, principal: Principal): Promise<Reply> {
  if (!isManagement(ctx, principal)) return jsonError(req, 'AccessDeniedException', "You don't have permissions to access this resource.");
  const accountId = req.json.AccountId;
  if (typeof accountId !== 'string') return jsonError(req, 'InvalidInputException', 'You must specify a value for AccountId.', 400, { Reason: 'INPUT_REQUIRED' });
  if (!ACCOUNT_ID.test(accountId)) {
    return jsonError(req, 'InvalidInputException', 'You provided a value for AccountId that does not match the required pattern.', 400, { Reason: 'INVALID_PATTERN' });
  }
  if (accountId === ctx.organization().managementAccountId) {
    return jsonError(req, 'ConstraintViolationException', 'You attempted to close the management account.', 400, { Reason: 'CANNOT_CLOSE_MANAGEMENT_ACCOUNT' });
  }
  const closures = ctx.state.accountClosures;
  let motoState: string | undefined;
  try {
    motoState = (await ctx.moto.json<{ Account: { State?: string } }>('organizations', `${ORG}.DescribeAccount`, { AccountId: accountId })).Account.State;
  } catch (err) {
    if (err instanceof MotoError && err.type.endsWith('AccountNotFoundException')) {
      return jsonError(req, 'AccountNotFoundException', "You specified an account that doesn't exist.");
    }
    throw err;
  }
  if (closureStateOf(ctx, accountId) !== undefined || motoState === 'SUSPENDED') {
    closures.refused.alreadyClosed++;
    return jsonError(req, 'AccountAlreadyClosedException', 'You provided an account that is already closed.');
  }
  const now = Date.now();
  const inProgress = [...closures.records.values()].filter((r) => r.state === 'PENDING_CLOSURE').length;
  if (inProgress >= ctx.settings().maxClosuresInProgress) {
    closures.refused.requestsLimit++;
    return jsonError(req, 'ConstraintViolationException', 'You attempted to exceed the number of accounts that you can close at a time.', 400, {
      Reason: 'CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED',
    });
  }
  const windowStart = now - wallMs(ctx, ctx.settings().closeAccountWindowMs);
  closures.accepted = closures.accepted.filter((at) => at > windowStart);
  if (closures.accepted.length >= sandboxClosureQuota(ctx, await countMemberAccounts(ctx))) {
    closures.refused.quota++;
    return jsonError(req, 'ConstraintViolationException', 'You have exceeded close account quota for the past 30 days.', 400, {
      Reason: 'CLOSE_ACCOUNT_QUOTA_EXCEEDED',
    });
  }

  const record: AccountClosureRecord = { accountId, requestedAt: now, state: 'PENDING_CLOSURE' };
  closures.records.set(accountId, record);
  closures.accepted.push(now);
  closures.peakInProgress = Math.max(closures.peakInProgress, inProgress + 1);
  // A scheduled change, not a timer: a closure in progress when the sandbox stops completes after its restart.
  ctx.scheduler.schedule(CLOSE_ACCOUNT_COMPLETION, now + wallMs(ctx, ctx.settings().closeAccountDurationMs), { accountId });
  return jsonResult(req, {});
}

/** The end of an account's PENDING_CLOSURE time (a scheduled change): SUSPENDED in moto and in the gateway. */
export async function completeCloseAccountWhenDue(ctx: SandboxContext, change: ScheduledChange): Promise<void> {
  const accountId = String(change.payload.accountId);
  const record = ctx.state.accountClosures.records.get(accountId);
  if (record?.state !== 'PENDING_CLOSURE') return; // reset meanwhile
  try {
    await ctx.moto.json('organizations', `${ORG}.CloseAccount`, { AccountId: accountId });
  } catch (err) {
    ctx.log(`[sandbox] CloseAccount of ${accountId} failed internally: ${(err as Error).message}`);
    return;
  }
  // A reset while moto answered replaced the records: this closure belonged to the organization that is gone.
  if (ctx.state.accountClosures.records.get(accountId) !== record) return;
  record.state = 'SUSPENDED';
  record.suspendedAt = Date.now();
  recordCloseAccountResult(ctx, record);
}

/** CloudTrail's service event for a completed closure, in the management account's event history. */
function recordCloseAccountResult(ctx: SandboxContext, record: AccountClosureRecord): void {
  const management = ctx.organization().managementAccountId;
  const eventId = randomUUID();
  const eventTime = record.suspendedAt ?? Date.now();
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  ctx.state.cloudTrail.push({
    eventId,
    eventName: 'CloseAccountResult',
    eventSource: 'organizations.amazonaws.com',
    eventTime,
    accountId: management,
    username: '',
    cloudTrailEvent: {
      eventVersion: '1.08',
      userIdentity: { accountId: management, invokedBy: 'organizations.amazonaws.com' },
      eventTime: iso(eventTime),
      eventSource: 'organizations.amazonaws.com',
      eventName: 'CloseAccountResult',
      awsRegion: 'us-east-1',
      sourceIPAddress: 'organizations.amazonaws.com',
      userAgent: 'organizations.amazonaws.com',
      requestParameters: null,
      responseElements: null,
      eventID: eventId,
      readOnly: false,
      eventType: 'AwsServiceEvent',
      managementEvent: true,
      recipientAccountId: management,
      serviceEventDetails: {
        closeAccountStatus: { accountId: record.accountId, state: 'SUCCEEDED', requestedTimestamp: iso(record.requestedAt), completedTimestamp: iso(eventTime) },
      },
      eventCategory: 'Management',
    },
  });
}

/** Member accounts (every state but CLOSED; not the management account): what the quota is a share of. */
export async function countMemberAccounts(ctx: SandboxContext): Promise<number> {
  const management = ctx.organization().managementAccountId;
  return (await listMotoAccountIds(ctx)).filter((id) => id !== management && closureStateOf(ctx, id) !== 'CLOSED').length;
}

async function listMotoAccountIds(ctx: SandboxContext): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.moto.json<{ Accounts: { Id: string }[]; NextToken?: string }>('organizations', `${ORG}.ListAccounts`, token ? { NextToken: token } : {});
    ids.push(...page.Accounts.map((a) => a.Id));
    token = page.NextToken;
  } while (token);
  return ids;
}

/** DescribeAccount, ListAccounts, ListAccountsForParent: moto's answer with the gateway's closure states in it. */
export async function withClosureStates(ctx: SandboxContext, req: AwsRequest): Promise<Reply> {
  const reply = await ctx.moto.forward(req.method, req.path, req.headers, req.body);
  if (reply.status !== 200 || ctx.state.accountClosures.records.size === 0) return reply;
  const body = JSON.parse(reply.body.toString()) as { Account?: Record<string, unknown>; Accounts?: Record<string, unknown>[] };
  const overlay = (account: Record<string, unknown> | undefined) => {
    const state = account && typeof account.Id === 'string' ? closureStateOf(ctx, account.Id) : undefined;
    if (!account || !state) return;
    account.State = state;
    // The retired Status field knows no CLOSED.
    account.Status = state === 'CLOSED' ? 'SUSPENDED' : state;
  };
  overlay(body.Account);
  for (const account of body.Accounts ?? []) overlay(account);
  return jsonResult(req, body);
}

/** For GET /sandbox/state. */
export function accountClosuresView(ctx: SandboxContext): Record<string, unknown> {
  const c = ctx.state.accountClosures;
  const windowStart = Date.now() - wallMs(ctx, ctx.settings().closeAccountWindowMs);
  return {
    accounts: [...c.records.values()].map((r) => ({
      accountId: r.accountId,
      state: closureStateOf(ctx, r.accountId),
      requestedAt: new Date(r.requestedAt).toISOString(),
      ...(r.suspendedAt !== undefined ? { suspendedAt: new Date(r.suspendedAt).toISOString() } : {}),
    })),
    /** CloseAccount calls accepted inside the rolling window. */
    acceptedInWindow: c.accepted.filter((at) => at > windowStart).length,
    peakInProgress: c.peakInProgress,
    refused: c.refused,
  };
}
