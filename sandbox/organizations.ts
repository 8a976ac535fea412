/**
 * Organizations: the account-creation lifecycle is the gateway's own (moto creates accounts instantly and without
 * AWS's limits); everything else (accounts, OUs, tags, MoveAccount, ListParents, ...) is moto's.
 *
 * CreateAccount as AWS does it: validated synchronously, then IN_PROGRESS for a while, then SUCCEEDED (the account
 * appears in ListAccounts, materialised in moto) or FAILED with a FailureReason. A used email is accepted and then
 * fails asynchronously with EMAIL_ALREADY_EXISTS. At most 5 requests may be in progress at once.
 */
import { randomBytes } from 'node:crypto';
import { closeAccount, closureStateOf, withClosureStates } from './account-closure';
import { GATEWAY_TRUSTED_SERVICES } from './seed';
import { wallMs, type SandboxContext } from './context';
import { isManagement } from './identity';
import { type CreateAccountRequestRecord, type Principal, type ScheduledChange } from './state';
import { epochSeconds, jsonError, jsonResult, type AwsRequest, type Reply } from './wire';

const ORG = 'AWSOrganizationsV20161128';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ACCOUNT_NAME = /^[\u0020-\u007E]+$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const TAG_TEXT = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const REQUEST_ID = /^car-[a-z0-9]{8,32}$/;
const STATES = ['IN_PROGRESS', 'SUCCEEDED', 'FAILED'];
const MAX_TAGS = 50;

export async function handleOrganizations(ctx: SandboxContext, req: AwsRequest, principal: Principal): Promise<Reply> {
  switch (req.operation) {
    case 'CreateAccount':
      return createAccount(ctx, req, principal);
    case 'DescribeCreateAccountStatus':
      return describeCreateAccountStatus(ctx, req, principal);
    case 'ListCreateAccountStatus':
      return listCreateAccountStatus(ctx, req, principal);
    case 'EnableAWSServiceAccess':
    case 'DisableAWSServiceAccess':
    case 'ListAWSServiceAccessForOrganization':
      return serviceAccess(ctx, req);
    // CloseAccount's lifecycle and quota are the gateway's; these show its account states (sandbox/account-closure.ts).
    case 'CloseAccount':
      return closeAccount(ctx, req, principal);
    case 'DescribeAccount':
    case 'ListAccounts':
    case 'ListAccountsForParent':
      return withClosureStates(ctx, req);
    default:
      return ctx.moto.forward(req.method, req.path, req.headers, req.body);
  }
}

function invalidInput(req: AwsRequest, reason: string, message: string): Reply {
  return jsonError(req, 'InvalidInputException', message, 400, { Reason: reason });
}

function accessDenied(req: AwsRequest): Reply {
  return jsonError(req, 'AccessDeniedException', "You don't have permissions to access this resource.", 400);
}

/** Checks a string member against the model's min/max/pattern, returning AWS's InvalidInputException on failure. */
function checkString(
  req: AwsRequest,
  name: string,
  value: unknown,
  opts: { min?: number; max: number; pattern?: RegExp; required?: boolean },
): Reply | undefined {
  if (value === undefined || value === null) {
    return opts.required ? invalidInput(req, 'INPUT_REQUIRED', `You must specify a value for ${name}.`) : undefined;
  }
  if (typeof value !== 'string') return invalidInput(req, 'INVALID_INPUT', `${name} must be a string.`);
  if (opts.min !== undefined && value.length < opts.min) {
    return invalidInput(req, 'MIN_LENGTH_EXCEEDED', `You provided a value for ${name} that is too short.`);
  }
  if (value.length > opts.max) {
    return invalidInput(req, 'MAX_LENGTH_EXCEEDED', `You provided a value for ${name} that is too long.`);
  }
  if (opts.pattern && !opts.pattern.test(value)) {
    return invalidInput(req, 'INVALID_PATTERN', `You provided a value for ${name} that does not match the required pattern.`);
  }
  return undefined;
}

function validateCreateAccount(req: AwsRequest): Reply | undefined {
  const b = req.json;
  const simple =
    checkString(req, 'Email', b.Email, { min: 6, max: 64, pattern: EMAIL, required: true }) ??
    checkString(req, 'AccountName', b.AccountName, { min: 1, max: 50, pattern: ACCOUNT_NAME, required: true }) ??
    checkString(req, 'RoleName', b.RoleName, { max: 64, pattern: ROLE_NAME });
  if (simple) return simple;
  if (b.IamUserAccessToBilling !== undefined && b.IamUserAccessToBilling !== 'ALLOW' && b.IamUserAccessToBilling !== 'DENY') {
    return invalidInput(req, 'INVALID_ENUM', 'You specified an invalid value for IamUserAccessToBilling.');
  }
  if (b.Tags !== undefined) {
    if (!Array.isArray(b.Tags)) return invalidInput(req, 'INVALID_LIST_MEMBER', 'Tags must be a list.');
    // The Tags list has no model-level maximum; AWS enforces 50 tags per resource as a constraint.
    if (b.Tags.length > MAX_TAGS) {
      return jsonError(req, 'ConstraintViolationException', 'You have exceeded the allowed number of tags for this resource.', 400, {
        Reason: 'MAX_TAG_LIMIT_EXCEEDED',
      });
    }
    const keys = new Set<string>();
    for (const tag of b.Tags as { Key?: unknown; Value?: unknown }[]) {
      const bad =
        checkString(req, 'Tags.Key', tag?.Key, { min: 1, max: 128, pattern: TAG_TEXT, required: true }) ??
        checkString(req, 'Tags.Value', tag?.Value, { min: 0, max: 256, pattern: TAG_TEXT, required: true });
      if (bad) return bad;
      if (keys.has(String(tag.Key))) return invalidInput(req, 'DUPLICATE_TAG_KEY', 'You provided duplicate tag keys.');
      keys.add(String(tag.Key));
    }
  }
  return undefined;
}

function newCreateAccountRequestId(): string {
  // car- + 16 lowercase alphanumerics (AWS: ^car-[a-z0-9]{8,32}$).
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `car-${Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('')}`;
}

function createAccount(ctx: SandboxContext, req: AwsRequest, principal: Principal): Reply {
  if (!isManagement(ctx, principal)) return accessDenied(req);
  const invalid = validateCreateAccount(req);
  if (invalid) return invalid;
  const settings = ctx.settings();
  const inProgress = ctx.state.createRequests.filter((r) => r.state === 'IN_PROGRESS').length;
  if (inProgress >= settings.maxCreateAccountsInProgress) {
    return jsonError(
      req,
      'ConstraintViolationException',
      'You have exceeded the number of accounts that can be created at one time. Try again later.',
      400,
      { Reason: 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED' },
    );
  }
  const b = req.json;
  const email = String(b.Email);
  const record: CreateAccountRequestRecord = {
    id: newCreateAccountRequestId(),
    accountName: String(b.AccountName),
    email,
    roleName: typeof b.RoleName === 'string' ? b.RoleName : 'OrganizationAccountAccessRole',
    iamUserAccessToBilling: b.IamUserAccessToBilling === 'DENY' ? 'DENY' : 'ALLOW',
    tags: (Array.isArray(b.Tags) ? b.Tags : []) as { Key: string; Value: string }[],
    state: 'IN_PROGRESS',
    requestedAt: Date.now(),
    forcedFailureReason: consumeForcedFailure(ctx, email),
  };
  ctx.state.createRequests.push(record);
  ctx.state.peakCreateAccountsInProgress = Math.max(ctx.state.peakCreateAccountsInProgress, inProgress + 1);
  // Scheduled, not lazy evaluation on poll: ListAccounts must show the account even if nobody polls the request.
  ctx.scheduler.schedule(CREATE_ACCOUNT_COMPLETION, record.requestedAt + wallMs(ctx, settings.createAccountDurationMs), {
    requestId: record.id,
  });
  return jsonResult(req, { CreateAccountStatus: statusView(record) });
}

export const CREATE_ACCOUNT_COMPLETION = 'create-account-completion';

/** The end of a creation request's IN_PROGRESS time (a scheduled change). */
export async function completeCreateAccountWhenDue(ctx: SandboxContext, change: ScheduledChange): Promise<void> {
  const record = ctx.state.createRequests.find((r) => r.id === change.payload.requestId);
  if (!record) return; // forgotten through the control API
  await completeCreateAccount(ctx, record).catch((err: unknown) => {
    ctx.log(`[sandbox] CreateAccount ${record.id} failed internally: ${(err as Error).message}`);
    finish(record, { failureReason: 'INTERNAL_FAILURE' });
  });
}

/** Forced failures are decided when the request arrives, so `times` counts requests, not completions. */
function consumeForcedFailure(ctx: SandboxContext, email: string): string | undefined {
  const rules = ctx.settings().forcedCreateFailures;
  for (let i = 0; i < rules.length; i++) {
    if (!new RegExp(rules[i].emailPattern).test(email)) continue;
    const left = ctx.state.forcedFailuresLeft[i];
    if (left === undefined) return rules[i].reason;
    if (left > 0) {
      ctx.state.forcedFailuresLeft[i] = left - 1;
      return rules[i].reason;
    }
  }
  return undefined;
}

function finish(record: CreateAccountRequestRecord, outcome: { accountId?: string; failureReason?: string }): void {
  if (record.state !== 'IN_PROGRESS') return;
  record.completedAt = Date.now();
  if (outcome.accountId) {
    record.state = 'SUCCEEDED';
    record.accountId = outcome.accountId;
  } else {
    record.state = 'FAILED';
    record.failureReason = outcome.failureReason ?? 'INTERNAL_FAILURE';
  }
}

async function completeCreateAccount(ctx: SandboxContext, record: CreateAccountRequestRecord): Promise<void> {
  if (record.forcedFailureReason) return finish(record, { failureReason: record.forcedFailureReason });
  const listed = await listAllAccounts(ctx);
  if (record.state !== 'IN_PROGRESS') return; // reset while we were asking moto
  // Checked at completion, against moto's accounts: of two in-flight requests for one email, the first wins.
  if (listed.some((a) => a.Email.toLowerCase() === record.email.toLowerCase())) {
    return finish(record, { failureReason: 'EMAIL_ALREADY_EXISTS' });
  }
  // SUSPENDED accounts count until their reopen window has passed (CLOSED), as with AWS.
  const counted = listed.filter((a) => closureStateOf(ctx, a.Id) !== 'CLOSED').length;
  if (counted >= ctx.settings().maxAccounts) return finish(record, { failureReason: 'ACCOUNT_LIMIT_EXCEEDED' });
  const created = await ctx.moto.json<{ CreateAccountStatus: { AccountId: string } }>(
    'organizations',
    `${ORG}.CreateAccount`,
    {
      Email: record.email,
      AccountName: record.accountName,
      RoleName: record.roleName,
      IamUserAccessToBilling: record.iamUserAccessToBilling,
      ...(record.tags.length ? { Tags: record.tags } : {}),
    },
  );
  if (record.state !== 'IN_PROGRESS') return;
  const accountId = created.CreateAccountStatus.AccountId;
  const now = Date.now();
  ctx.state.accounts.set(accountId, {
    accountId,
    name: record.accountName,
    email: record.email,
    roleName: record.roleName,
    createdAt: now,
    readyAt: now + wallMs(ctx, ctx.settings().accountReadyDelayMs),
    // Reported by AWS Support: with the org's linked-account access on, new members get billing access at creation.
    billingAccess: record.iamUserAccessToBilling === 'ALLOW' && ctx.state.linkedAccountAccess,
  });
  ctx.state.rootCredentialsOf(accountId);
  finish(record, { accountId });
  ctx.log(`[sandbox] account ${accountId} (${record.accountName}) created for ${record.id}`);
}

async function listAllAccounts(ctx: SandboxContext): Promise<{ Id: string; Email: string }[]> {
  const accounts: { Id: string; Email: string }[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.moto.json<{ Accounts: { Id: string; Email: string }[]; NextToken?: string }>(
      'organizations',
      `${ORG}.ListAccounts`,
      token ? { NextToken: token } : {},
    );
    accounts.push(...page.Accounts);
    token = page.NextToken;
  } while (token);
  return accounts;
}

/** The CreateAccountStatus shape; like AWS, it carries no email. */
function statusView(r: CreateAccountRequestRecord): Record<string, unknown> {
  return {
    Id: r.id,
    AccountName: r.accountName,
    State: r.state,
    RequestedTimestamp: epochSeconds(r.requestedAt),
    ...(r.completedAt !== undefined ? { CompletedTimestamp: epochSeconds(r.completedAt) } : {}),
    ...(r.accountId ? { AccountId: r.accountId } : {}),
    ...(r.failureReason ? { FailureReason: r.failureReason } : {}),
  };
}

function describeCreateAccountStatus(ctx: SandboxContext, req: AwsRequest, principal: Principal): Reply {
  if (!isManagement(ctx, principal)) return accessDenied(req);
  const id = req.json.CreateAccountRequestId;
  const invalid = checkString(req, 'CreateAccountRequestId', id, { max: 36, pattern: REQUEST_ID, required: true });
  if (invalid) return invalid;
  const record = ctx.state.createRequests.find((r) => r.id === id);
  if (!record) {
    return jsonError(req, 'CreateAccountStatusNotFoundException', "We can't find a create account request with the CreateAccountRequestId that you specified.");
  }
  return jsonResult(req, { CreateAccountStatus: statusView(record) });
}

function listCreateAccountStatus(ctx: SandboxContext, req: AwsRequest, principal: Principal): Reply {
  if (!isManagement(ctx, principal)) return accessDenied(req);
  const { States, MaxResults, NextToken } = req.json;
  if (States !== undefined && (!Array.isArray(States) || States.some((s) => !STATES.includes(String(s))))) {
    return invalidInput(req, 'INVALID_ENUM', 'You specified an invalid value for States.');
  }
  if (MaxResults !== undefined && (typeof MaxResults !== 'number' || MaxResults < 1 || MaxResults > 20)) {
    return invalidInput(req, MaxResults as number > 20 ? 'MAX_VALUE_EXCEEDED' : 'MIN_VALUE_EXCEEDED', 'MaxResults must be between 1 and 20.');
  }
  let offset = 0;
  if (NextToken !== undefined) {
    const decoded = typeof NextToken === 'string' ? /^car-list:(\d+)$/.exec(Buffer.from(NextToken, 'base64').toString()) : null;
    if (!decoded) return invalidInput(req, 'INVALID_NEXT_TOKEN', 'The specified pagination token is invalid.');
    offset = Number(decoded[1]);
  }
  const wanted = (States as string[] | undefined) ?? STATES;
  const visibleFrom = Date.now() - wallMs(ctx, ctx.settings().faults.createStatusListLagMs);
  const pageSize = (MaxResults as number | undefined) ?? 20;
  // The token is a position in the append-only request list, so pages stay consistent while states change.
  const all = ctx.state.createRequests;
  const page: CreateAccountRequestRecord[] = [];
  let index = offset;
  const listed = (r: CreateAccountRequestRecord) => wanted.includes(r.state) && r.requestedAt <= visibleFrom;
  for (; index < all.length && page.length < pageSize; index++) if (listed(all[index])) page.push(all[index]);
  const more = all.slice(index).some(listed);
  const next = more ? Buffer.from(`car-list:${index}`).toString('base64') : undefined;
  return jsonResult(req, { CreateAccountStatuses: page.map(statusView), ...(next ? { NextToken: next } : {}) });
}

/** Trusted access: moto's for the principals it knows, the gateway's for those it does not (iam.amazonaws.com). */
async function serviceAccess(ctx: SandboxContext, req: AwsRequest): Promise<Reply> {
  const principal = String(req.json.ServicePrincipal ?? '');
  const ours = ctx.state.gatewayTrustedServices;
  if (req.operation !== 'ListAWSServiceAccessForOrganization' && GATEWAY_TRUSTED_SERVICES.includes(principal)) {
    if (req.operation === 'EnableAWSServiceAccess') {
      if (!ours.has(principal)) ours.set(principal, Date.now());
    } else ours.delete(principal);
    return jsonResult(req, {});
  }
  const reply = await ctx.moto.forward(req.method, req.path, req.headers, req.body);
  if (req.operation !== 'ListAWSServiceAccessForOrganization' || reply.status !== 200 || req.json.NextToken) return reply;
  const body = JSON.parse(reply.body.toString()) as { EnabledServicePrincipals?: unknown[] };
  body.EnabledServicePrincipals = [
    ...(body.EnabledServicePrincipals ?? []),
    ...[...ours.entries()].map(([p, at]) => ({ ServicePrincipal: p, DateEnabled: epochSeconds(at) })),
  ];
  return jsonResult(req, body);
}
