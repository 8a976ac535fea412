/**
 * The organization's account-creation slots. AWS allows 5 creations in progress per organization and CreateAccount
 * 0.1/s (burst 3); one coordinator workflow per task queue hands the slots out in request order, paced at that rate,
 * so waiting requests never spend the scarce CreateAccount quota on attempts that AWS would refuse.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const CREATION_SLOTS_WORKFLOW_TYPE = 'coordinateCreationSlots';

export function creationSlotsWorkflowId(taskQueue: string): string {
  return `${taskQueue}.creation-slots`;
}

export interface CreationSlotsConfig {
  /** AWS: 5 creations in progress per organization. */
  maxInFlight: number;
  /** AWS: CreateAccount 0.1/s per account (times the sandbox's time scale). */
  createsPerSecond: number;
  /** AWS: burst 3. */
  burst: number;
  /** A holder that neither releases nor exists after this long loses its slot (a terminated request). */
  leaseMs: number;
  /** The coordinator ends after this long with nobody waiting or holding; the next request starts it again. */
  idleMs: number;
}

export interface CreationSlotsState {
  waiting: string[];
  /** request id -> when its slot was granted (workflow time, ms). */
  holders: Record<string, number>;
  tokens: number;
  refilledAt: number;
  /** Holders that asked again (their grant was lost): granted again on the next round; carried across continue-as-new. */
  regrant?: string[];
}

export interface SlotRequest {
  /** The vending workflow's id: the slot is granted to it by signal. */
  requestId: string;
}

export const acquireCreationSlotSignal = defineSignal<[SlotRequest]>('acquireCreationSlot');
export const releaseCreationSlotSignal = defineSignal<[SlotRequest]>('releaseCreationSlot');
/** Sent by the coordinator to the vending workflow that may now create its account. */
export const creationSlotGrantedSignal = defineSignal<[]>('creationSlotGranted');
export const creationSlotsQuery = defineQuery<CreationSlotsState>('creationSlots');
