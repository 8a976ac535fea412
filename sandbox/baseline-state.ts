/**
 * What the gateway remembers for the day-1 baseline's services, beyond moto: each account's region opt-in states
 * (moto has no region opt-in), Identity Center assignment creations (moto creates them at once; AWS runs them
 * asynchronously), the primary contact (moto has none), and the counters the tests read: region changes in flight
 * at their peak, refusals over AWS's caps, and every assignment creation per assignment.
 *
 * Plain data, saved and restored with the rest of SandboxState (sandbox/state-codec.ts). What AWS finishes later is a
 * due time in the record, settled when the record is next read: a region ENABLING until `until`, an assignment
 * creation IN_PROGRESS until `completeAt`. So a restart (or a stop longer than the wait) needs no timer: a change
 * that fell due meanwhile is done at the next call that looks.
 */

export type RegionStatus = 'ENABLED' | 'ENABLING' | 'DISABLING' | 'DISABLED' | 'ENABLED_BY_DEFAULT';

export interface RegionRecord {
  status: RegionStatus;
  /** Epoch ms when ENABLING/DISABLING ends. */
  until?: number;
}

export interface AssignmentCreation {
  requestId: string;
  instanceArn: string;
  targetId: string;
  permissionSetArn: string;
  principalType: string;
  principalId: string;
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  createdAt: number;
  completeAt: number;
  failureReason?: string;
}

export interface BaselineCounters {
  /** The most region changes in progress at once, org-wide and in any one account. */
  peakRegionChangesOrganization: number;
  peakRegionChangesAccount: number;
  /** EnableRegion calls refused for AWS's caps. */
  regionChangesRefused: number;
  /** EnableRegion calls that started a change (not those for a region already on or ENABLING). */
  regionEnables: number;
  /** CreateAccountAssignment calls accepted, by `account|permissionSetArn|type|principal`: 1 each when nothing is done twice. */
  assignmentCreations: Record<string, number>;
  /** PutContactInformation calls accepted. */
  contactInformationPuts: number;
}

export interface BaselineSandboxState {
  /** accountId -> region -> record (opt-in regions only; default ones are always ENABLED_BY_DEFAULT). */
  regions: Map<string, Map<string, RegionRecord>>;
  assignmentCreations: AssignmentCreation[];
  /** accountId -> PutContactInformation's ContactInformation. */
  contactInformation: Map<string, Record<string, string>>;
  counters: BaselineCounters;
}

/** The baseline's state of an organization that has done nothing yet (at start and after a reset). */
export function newBaselineSandboxState(): BaselineSandboxState {
  return {
    regions: new Map(),
    assignmentCreations: [],
    contactInformation: new Map(),
    counters: {
      peakRegionChangesOrganization: 0,
      peakRegionChangesAccount: 0,
      regionChangesRefused: 0,
      regionEnables: 0,
      assignmentCreations: {},
      contactInformationPuts: 0,
    },
  };
}
