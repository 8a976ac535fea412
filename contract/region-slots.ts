/**
 * The organization's region opt-in slots. AWS caps the region changes (EnableRegion until ENABLED) running at once per
 * account and per organization (REGION_CHANGES_IN_PROGRESS, contract/aws-quotas.ts); one coordinator workflow per
 * task queue grants (account, region) pairs in request order within both caps, so no EnableRegion is ever refused for
 * them and a request waits instead of failing.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const REGION_SLOTS_WORKFLOW_TYPE = 'coordinateRegionSlots';

export function regionSlotsWorkflowId(taskQueue: string): string {
  return `${taskQueue}.region-slots`;
}

export interface RegionSlotsConfig {
  maxInFlightPerOrganization: number;
  maxInFlightPerAccount: number;
  /** A holder that neither releases nor asks again after this long loses its slots (a terminated request). */
  leaseMs: number;
  /** The coordinator ends after this long with nobody waiting or holding. */
  idleMs: number;
}

export interface RegionSlotRequest {
  /** The vending workflow's id: grants go to it by signal. */
  requestId: string;
  accountId: string;
  /** Regions it still needs; a repeated ask (lost grant) names regions it may already hold. */
  regions: string[];
}

export interface RegionSlotsState {
  /** Pairs in request order. */
  waiting: { requestId: string; accountId: string; region: string }[];
  /** `requestId|region` -> holder. */
  holders: Record<string, { requestId: string; accountId: string; region: string; grantedAt: number }>;
  /** Holders that asked again: their grants are sent again next round. */
  regrant: string[];
  /** Most pairs held at once, org-wide and per account, since this coordinator (chain) started. */
  peakOrganization: number;
  peakAccount: number;
}

export const acquireRegionSlotsSignal = defineSignal<[RegionSlotRequest]>('acquireRegionSlots');
export const releaseRegionSlotsSignal = defineSignal<[{ requestId: string; regions: string[] }]>('releaseRegionSlots');
/** Sent by the coordinator to a vending workflow: these regions may now be enabled. */
export const regionSlotsGrantedSignal = defineSignal<[{ regions: string[] }]>('regionSlotsGranted');
export const regionSlotsQuery = defineQuery<RegionSlotsState>('regionSlots');
