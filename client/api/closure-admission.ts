/**
 * Who may ask to close which account, decided at the API before anything starts, each refusal a specific 4xx:
 *
 * - from the organization directory the worker publishes (no AWS call here): the account must be in the organization
 *   (422 UNKNOWN_ACCOUNT, after asking the worker for a fresh listing once), not the management account (422
 *   MANAGEMENT_ACCOUNT), not closed or closing (409 ACCOUNT_ALREADY_CLOSED), not in or below a protected OU (422
 *   PROTECTED_ORGANIZATIONAL_UNIT); the quarantine OU must exist (503 CLOSURE_NOT_CONFIGURED);
 * - from the engine's own records (vending runs with the account's AccountId search attribute): no vending request of
 *   the account still running (409 VENDING_IN_PROGRESS); an account this engine did not vend only when an operator
 *   adopts it explicitly (422 ACCOUNT_NOT_VENDED, 403 ADOPTION_NOT_ALLOWED); only the account's requester or an
 *   operator may ask (403 NOT_ACCOUNT_OWNER).
 *
 * The workflow's preflight checks the account against AWS again (the directory is minutes old at most).
 */
import { type Client } from '@temporalio/client';
import { type AccountEntry, type OrganizationDirectory } from '../../contract/organization-directory';
import { accountRecords } from '../closure';
import { matchOrganizationalUnit, type OrganizationDirectoryReader } from '../organization-directory';
import { type Principal } from './auth';
import { type ClosureApiConfig } from './closure-config';
import { ApiError } from './errors';

export interface ClosureAdmission {
  accountName?: string;
  owner?: string;
  vendingRequestId?: string;
  adopted: boolean;
  quarantine: { organizationalUnitId: string; denyAllPolicyId?: string };
  protectedOrganizationalUnitIds: string[];
}

export interface AdmissionContext {
  temporal: Client;
  taskQueue: string;
  directory: OrganizationDirectoryReader;
  config: ClosureApiConfig;
}

const CLOSED_OR_CLOSING = ['PENDING_CLOSURE', 'SUSPENDED', 'CLOSED'];

/** Who may ask at all: a requester (for their own accounts) or an operator; adoption is an operator's. */
export function checkAsker(principal: Principal, adopt: boolean | undefined): void {
  const operator = principal.roles.includes('operator');
  if (!operator && !principal.roles.includes('requester')) {
    throw new ApiError(403, 'FORBIDDEN', `${principal.user} holds neither the requester nor the operator role needed to ask for a closure`);
  }
  if (adopt && !operator) {
    throw new ApiError(403, 'ADOPTION_NOT_ALLOWED', `only an operator may adopt an account this engine did not vend; ${principal.user} is not one`);
  }
}

export async function admitClosure(ctx: AdmissionContext, principal: Principal, body: { accountId: string; adopt?: boolean }): Promise<ClosureAdmission> {
  const { accountId } = body;
  let directory = await ctx.directory.read();
  if (!directory) throw directoryUnavailable("no worker has listed the organization yet, so the account cannot be checked; retry shortly");
  if (!directory.accounts) {
    throw directoryUnavailable('the organization directory lists no accounts (published by a worker older than account closure): upgrade the workers');
  }
  const quarantine = quarantineUnit(directory, ctx.config);
  if (directory.managementAccountId === accountId) {
    throw new ApiError(422, 'MANAGEMENT_ACCOUNT', `${accountId} is the organization's management account, which cannot be closed`, { field: 'body.accountId' });
  }
  let account = directory.accounts.find((a) => a.id === accountId);
  if (!account) {
    // Vended a moment ago, perhaps: ask the worker for a fresh listing once.
    directory = (await ctx.directory.refreshed()) ?? directory;
    account = directory.accounts?.find((a) => a.id === accountId);
  }
  if (!account) {
    throw new ApiError(422, 'UNKNOWN_ACCOUNT', `account ${accountId} is not in the organization (as listed at ${directory.listedAt})`, {
      field: 'body.accountId',
      listedAt: directory.listedAt,
    });
  }
  if (account.state && CLOSED_OR_CLOSING.includes(account.state)) {
    throw new ApiError(409, 'ACCOUNT_ALREADY_CLOSED', `account ${accountId} is ${account.state} already`, { state: account.state });
  }
  const protectedIds = protectedUnitIds(directory, ctx.config);
  if (protectedIds.includes(account.parentId)) {
    const unit = directory.units.find((u) => u.id === account.parentId);
    throw new ApiError(422, 'PROTECTED_ORGANIZATIONAL_UNIT', `account ${accountId} is in a protected OU (${unit?.path ?? account.parentId}), whose accounts are never closed`, {
      field: 'body.accountId',
      organizationalUnit: { id: account.parentId, path: unit?.path },
    });
  }

  const records = await accountRecords(ctx.temporal, ctx.taskQueue, accountId);
  if (records.vendingRunning) {
    throw new ApiError(409, 'VENDING_IN_PROGRESS', `the vending request of account ${accountId} (${records.vendingRequestId}) is still running: let it end first`, {
      requestId: records.vendingRequestId,
    });
  }
  const operator = principal.roles.includes('operator');
  if (!records.vended && !body.adopt) {
    throw new ApiError(
      422,
      'ACCOUNT_NOT_VENDED',
      `account ${accountId} was not vended by this engine; an operator may close it by adopting it explicitly ("adopt": true)`,
      { field: 'body.accountId' },
    );
  }
  if (records.vended && records.owner !== principal.user && !operator) {
    throw new ApiError(403, 'NOT_ACCOUNT_OWNER', `only the account's requester or an operator may ask to close account ${accountId}`);
  }
  return {
    ...accountName(account),
    ...(records.owner ? { owner: records.owner } : {}),
    ...(records.vendingRequestId ? { vendingRequestId: records.vendingRequestId } : {}),
    adopted: !records.vended,
    quarantine: { organizationalUnitId: quarantine, ...(ctx.config.denyAllPolicyId ? { denyAllPolicyId: ctx.config.denyAllPolicyId } : {}) },
    protectedOrganizationalUnitIds: protectedIds,
  };
}

function accountName(account: AccountEntry): { accountName?: string } {
  return account.name ? { accountName: account.name } : {};
}

function directoryUnavailable(message: string): ApiError {
  return new ApiError(503, 'ORGANIZATION_DIRECTORY_UNAVAILABLE', message, undefined, { 'retry-after': '30' });
}

/** The quarantine OU's id; a configuration the organization does not match is the operator's to fix (503). */
function quarantineUnit(directory: OrganizationDirectory, config: ClosureApiConfig): string {
  const match = matchOrganizationalUnit(directory, config.quarantineOrganizationalUnit);
  if (match.kind === 'found') return match.unit.id;
  throw new ApiError(
    503,
    'CLOSURE_NOT_CONFIGURED',
    match.kind === 'unknown'
      ? `the quarantine OU "${config.quarantineOrganizationalUnit}" does not exist in the organization (as listed at ${directory.listedAt}): create it or set VEND_CLOSURE_QUARANTINE_OU`
      : `${match.units.length} OUs are named "${config.quarantineOrganizationalUnit}": set VEND_CLOSURE_QUARANTINE_OU to the id of the one meant`,
  );
}

/** The configured protected OUs (by id, or every OU of that name) and every OU below them. */
export function protectedUnitIds(directory: OrganizationDirectory, config: Pick<ClosureApiConfig, 'protectedOrganizationalUnits'>): string[] {
  const roots = directory.units.filter((u) => config.protectedOrganizationalUnits.some((p) => p === u.id || p === u.name));
  const ids = new Set<string>();
  for (const root of roots) {
    for (const unit of directory.units) if (unit.id === root.id || unit.path.startsWith(`${root.path}/`)) ids.add(unit.id);
  }
  return [...ids].sort();
}
