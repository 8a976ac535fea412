/**
 * How the baseline calls its activities: one proxy per step, each with its own summary (what the Web UI shows for the
 * activity) and deadline. A step's activity is retried at the poll interval without backoff: "still in progress" is
 * the expected answer of most attempts, and the schedule-to-close deadline is the step's.
 */
import { proxyActivities } from '@temporalio/workflow';
import { type BaselinePolicy } from '../contract/baseline';
import type { VendingActivities } from '../activities/types';

const NON_RETRYABLE = ['BaselineStepInvalid', 'InvalidRequest', 'AccessDenied'];

export function baselineActivities(policy: BaselinePolicy, attemptTimeoutMs: number) {
  const base = {
    startToCloseTimeout: attemptTimeoutMs,
    scheduleToCloseTimeout: policy.stepDeadlineMs,
    retry: {
      initialInterval: policy.pollIntervalMs,
      backoffCoefficient: 1,
      maximumInterval: policy.pollIntervalMs,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  } as const;
  return {
    identityCenter: proxyActivities<Pick<VendingActivities, 'assignAccountAccess'>>({
      ...base,
      summary: 'Baseline identity-center: reconcile assignments, CreateAccountAssignment, poll until created',
    }),
    regionStatus: proxyActivities<Pick<VendingActivities, 'regionOptStatuses'>>({ ...base, summary: 'Baseline regions: which are on already (GetRegionOptStatus)' }),
    regionSlots: proxyActivities<Pick<VendingActivities, 'acquireRegionSlots'>>({ ...base, summary: "Baseline regions: ask the org's region coordinator for slots" }),
    regions: proxyActivities<Pick<VendingActivities, 'enableRegions'>>({
      ...base,
      scheduleToCloseTimeout: policy.regionsDeadlineMs,
      summary: 'Baseline regions: EnableRegion the granted regions, poll GetRegionOptStatus until ENABLED',
    }),
    contacts: proxyActivities<Pick<VendingActivities, 'applyBaselineContacts'>>({ ...base, summary: 'Baseline contacts: primary (PutContactInformation) and alternate contacts' }),
    budget: proxyActivities<Pick<VendingActivities, 'ensureBudget'>>({ ...base, summary: 'Baseline budget: monthly cost budget with alerts (CreateBudget)' }),
    defaultVpcs: proxyActivities<Pick<VendingActivities, 'deleteDefaultVpcs'>>({
      ...base,
      summary: 'Baseline default-vpcs: delete the default VPC of every enabled region, from inside the account',
    }),
    guardrails: proxyActivities<Pick<VendingActivities, 'attachGuardrails'>>({ ...base, summary: 'Baseline guardrails: attach the SCPs and RCPs (AttachPolicy)' }),
  };
}

export type BaselineActivityProxies = ReturnType<typeof baselineActivities>;
