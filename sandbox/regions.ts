/**
 * Region opt-in as the Account Management API does it: EnableRegion starts a change that stays ENABLING for
 * `regionEnableDurationMs` (AWS time) before the region is ENABLED; GetRegionOptStatus and ListRegions report it. At
 * most `maxRegionChangesPerAccount` changes may run at once in an account and `maxRegionChangesPerOrganization` in the
 * organization: beyond them EnableRegion is refused (TooManyRequestsException here; the sandbox's choice of name).
 * The peaks are counted, so a test can show that the engine never asked for more.
 */
import { wallMs, type SandboxContext } from './context';
import { isManagement } from './identity';
import { type RegionRecord, type RegionStatus } from './baseline-state';
import { type Principal } from './state';
import { restJsonError, type AwsRequest, type Reply } from './wire';

const ACCOUNT_ID = /^\d{12}$/;
const STATUSES: RegionStatus[] = ['ENABLED', 'ENABLING', 'DISABLING', 'DISABLED', 'ENABLED_BY_DEFAULT'];

function ok(req: AwsRequest, body: unknown = {}): Reply {
  return { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': req.requestId }, body: JSON.stringify(body) };
}

/** The account's opt-in regions, each settled to what it is now. */
function optInRegionsOf(ctx: SandboxContext, accountId: string): Map<string, RegionRecord> {
  let regions = ctx.state.baseline.regions.get(accountId);
  if (!regions) {
    regions = new Map(ctx.settings().optInRegions.map((r) => [r, { status: 'DISABLED' as RegionStatus }]));
    ctx.state.baseline.regions.set(accountId, regions);
  }
  const now = Date.now();
  for (const record of regions.values()) {
    if (record.until !== undefined && record.until <= now) {
      record.status = record.status === 'ENABLING' ? 'ENABLED' : 'DISABLED';
      record.until = undefined;
    }
  }
  return regions;
}

function changesInFlight(ctx: SandboxContext): { organization: number; byAccount: Map<string, number> } {
  const byAccount = new Map<string, number>();
  let organization = 0;
  for (const accountId of ctx.state.baseline.regions.keys()) {
    const n = [...optInRegionsOf(ctx, accountId).values()].filter((r) => r.status === 'ENABLING' || r.status === 'DISABLING').length;
    byAccount.set(accountId, n);
    organization += n;
  }
  return { organization, byAccount };
}

function statusOf(ctx: SandboxContext, accountId: string, region: string): RegionStatus | undefined {
  if (ctx.settings().defaultEnabledRegions.includes(region)) return 'ENABLED_BY_DEFAULT';
  return optInRegionsOf(ctx, accountId).get(region)?.status;
}

/** The target account: a member account created here, addressed by the management account. */
function targetAccount(ctx: SandboxContext, req: AwsRequest, principal: Principal): string | Reply {
  if (!isManagement(ctx, principal)) return restJsonError(req, 'AccessDeniedException', 'only the management account may address member accounts', 403);
  const accountId = req.json.AccountId;
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) return restJsonError(req, 'ValidationException', 'AccountId must be 12 digits', 400);
  if (!ctx.state.accounts.has(accountId)) return restJsonError(req, 'AccessDeniedException', `account ${accountId} is not a member of the organization`, 403);
  return accountId;
}

export function handleRegionOperation(ctx: SandboxContext, req: AwsRequest, principal: Principal): Reply {
  const accountId = targetAccount(ctx, req, principal);
  if (typeof accountId !== 'string') return accountId;
  if (req.operation === 'ListRegions') return listRegions(ctx, req, accountId);
  const region = req.json.RegionName;
  if (typeof region !== 'string' || region.length < 1 || region.length > 50) return restJsonError(req, 'ValidationException', 'RegionName is required (1-50 characters)', 400);
  const status = statusOf(ctx, accountId, region);
  if (status === undefined) return restJsonError(req, 'ValidationException', `${region} is not a region`, 400);
  if (req.operation === 'GetRegionOptStatus') return ok(req, { RegionName: region, RegionOptStatus: status });
  // EnableRegion
  if (status === 'ENABLED_BY_DEFAULT') return restJsonError(req, 'ValidationException', `${region} is enabled by default and cannot be opted in or out`, 400);
  if (status === 'DISABLING') return restJsonError(req, 'ConflictException', `${region} is being disabled`, 409);
  if (status === 'ENABLED' || status === 'ENABLING') return ok(req);
  const settings = ctx.settings();
  const inFlight = changesInFlight(ctx);
  if ((inFlight.byAccount.get(accountId) ?? 0) >= settings.maxRegionChangesPerAccount || inFlight.organization >= settings.maxRegionChangesPerOrganization) {
    ctx.state.baseline.counters.regionChangesRefused++;
    return restJsonError(req, 'TooManyRequestsException', 'too many region changes in progress in this account or organization', 429);
  }
  const record = optInRegionsOf(ctx, accountId).get(region) as RegionRecord;
  record.status = 'ENABLING';
  record.until = Date.now() + wallMs(ctx, settings.regionEnableDurationMs);
  const counters = ctx.state.baseline.counters;
  counters.regionEnables++;
  counters.peakRegionChangesOrganization = Math.max(counters.peakRegionChangesOrganization, inFlight.organization + 1);
  counters.peakRegionChangesAccount = Math.max(counters.peakRegionChangesAccount, (inFlight.byAccount.get(accountId) ?? 0) + 1);
  return ok(req);
}

function listRegions(ctx: SandboxContext, req: AwsRequest, accountId: string): Reply {
  const wanted = Array.isArray(req.json.RegionOptStatusContains) ? (req.json.RegionOptStatusContains as string[]) : STATUSES;
  const all = [
    ...ctx.settings().defaultEnabledRegions.map((r) => ({ RegionName: r, RegionOptStatus: 'ENABLED_BY_DEFAULT' as RegionStatus })),
    ...[...optInRegionsOf(ctx, accountId).entries()].map(([r, rec]) => ({ RegionName: r, RegionOptStatus: rec.status })),
  ].filter((r) => wanted.includes(r.RegionOptStatus));
  return ok(req, { Regions: all });
}

/** What the control API shows of an account's regions. */
export function regionStatesView(ctx: SandboxContext, accountId: string): Record<string, RegionStatus> {
  return {
    ...Object.fromEntries(ctx.settings().defaultEnabledRegions.map((r) => [r, 'ENABLED_BY_DEFAULT' as RegionStatus])),
    ...Object.fromEntries([...optInRegionsOf(ctx, accountId).entries()].map(([r, rec]) => [r, rec.status])),
  };
}
