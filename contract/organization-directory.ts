/**
 * The organization's OUs as the worker last listed them, published through Temporal: one long-running
 * `organizationDirectory` workflow per task queue lists them every few minutes and keeps the list in its memo. The
 * API reads that memo (describe) to refuse a request for an OU that does not exist, without calling AWS itself.
 */
import { defineSignal } from '@temporalio/workflow';

export const ORGANIZATION_DIRECTORY_WORKFLOW_TYPE = 'organizationDirectory';
export const ORGANIZATION_DIRECTORY_MEMO_KEY = 'organizationDirectory';

export function organizationDirectoryWorkflowId(taskQueue: string): string {
  return `${taskQueue}.organization-directory`;
}

export interface OrganizationalUnitEntry {
  id: string;
  name: string;
  /** Names from the root down, e.g. `Workloads/Payments`. */
  path: string;
}

/** A member account and where it sits (the closure API checks protected OUs and the management account with these). */
export interface AccountEntry {
  id: string;
  name?: string;
  /** The root's or an OU's id. */
  parentId: string;
  /** AWS's State: ACTIVE, PENDING_CLOSURE, SUSPENDED, ... */
  state?: string;
}

/** What the activity lists; the memo adds when. */
export interface OrganizationListing {
  rootId: string;
  units: OrganizationalUnitEntry[];
  /** Listed by workers from the closure feature on; absent in a directory an older worker published. */
  managementAccountId?: string;
  accounts?: AccountEntry[];
  /** When the account listing began (the worker's clock): an account made before then is in `accounts`. */
  accountsListedAt?: string;
}

export interface OrganizationDirectory extends OrganizationListing {
  /** When the worker listed these OUs (ISO 8601). */
  listedAt: string;
}

export interface OrganizationDirectoryConfig {
  /** How often the OUs are listed again. */
  refreshIntervalMs: number;
  /** Listings per run before continuing as new, so that the history stays short. */
  listingsPerRun: number;
}

/** Every 5 minutes; each listing is one ListRoots and one ListOrganizationalUnitsForParent per OU (and per page). */
export const DEFAULT_ORGANIZATION_DIRECTORY_CONFIG: OrganizationDirectoryConfig = { refreshIntervalMs: 5 * 60_000, listingsPerRun: 100 };

/** Lists the OUs now instead of at the next interval (an operator who just created an OU: `temporal workflow signal`). */
export const refreshOrganizationDirectorySignal = defineSignal<[]>('refresh');

export type OrganizationalUnitMatch =
  | { kind: 'found'; unit: OrganizationalUnitEntry }
  | { kind: 'unknown' }
  | { kind: 'ambiguous'; units: OrganizationalUnitEntry[] };

/** An OU given by id, or by a name that only one OU of the organization has. */
/** An OU given by id, or by a name only one OU has: the same rule for the API, the preflight and the doctor. */
export function matchOrganizationalUnit(directory: Pick<OrganizationListing, 'units'>, nameOrId: string): OrganizationalUnitMatch {
  const byId = directory.units.find((unit) => unit.id === nameOrId);
  if (byId) return { kind: 'found', unit: byId };
  const byName = directory.units.filter((unit) => unit.name === nameOrId);
  if (byName.length === 1) return { kind: 'found', unit: byName[0] };
  return byName.length === 0 ? { kind: 'unknown' } : { kind: 'ambiguous', units: byName };
}

