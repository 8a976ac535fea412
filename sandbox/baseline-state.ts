/**
 * What the gateway remembers for the day-1 baseline's services, beyond moto: each account's region opt-in states
 * (moto has no region opt-in), Identity Center assignment creations (moto creates them at once; AWS runs them
 * asynchronously), the primary contact (moto has none), and the counters the tests read: region changes in flight
 * at their peak, refusals over AWS's caps, and every assignment creation per assignment.
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

export class BaselineSandboxState {
  /** accountId -> region -> record (opt-in regions only; default ones are always ENABLED_BY_DEFAULT). */
  regions = new Map<string, Map<string, RegionRecord>>();
  assignmentCreations: AssignmentCreation[] = [];
  /** accountId -> PutContactInformation's ContactInformation. */
  contactInformation = new Map<string, Record<string, string>>();
  counters = {
    /** The most region changes in progress at once, org-wide and in any one account. */
    peakRegionChangesOrganization: 0,
    peakRegionChangesAccount: 0,
    /** EnableRegion calls refused for AWS's caps. */
    regionChangesRefused: 0,
    /** EnableRegion calls that started a change (not those for a region already on or ENABLING). */
    regionEnables: 0,
    /** CreateAccountAssignment calls accepted, by `account|permissionSetArn|type|principal`: 1 each when nothing is done twice. */
    assignmentCreations: {} as Record<string, number>,
    /** PutContactInformation calls accepted. */
    contactInformationPuts: 0,
  };

  clear(): void {
    this.regions.clear();
    this.assignmentCreations = [];
    this.contactInformation.clear();
    this.counters = {
      peakRegionChangesOrganization: 0,
      peakRegionChangesAccount: 0,
      regionChangesRefused: 0,
      regionEnables: 0,
      assignmentCreations: {},
      contactInformationPuts: 0,
    };
  }
}
