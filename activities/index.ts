/**
 * The activity factory: everything that touches AWS or people, built from injected clients so that tests and the
 * sandbox swap them without module mocking.
 */
import { createReadinessActivities } from './account-readiness';
import { createAccountClosureActivities } from './account-closure';
import { createAlternateContactActivities } from './alternate-contacts';
import { type AwsClients } from './aws-clients';
import { createBillingAccessActivities } from './billing-access';
import { createClosureSlotActivities, type ClosureSlotsDependencies } from './closure-slots';
import { createBudgetActivities } from './budget';
import { createBaselineContactActivities } from './contacts';
import { createDefaultVpcActivities } from './default-vpcs';
import { createGuardrailActivities } from './guardrails';
import { createIdentityCenterActivities } from './identity-center';
import { createRegionSlotActivities, type RegionSlotsDependencies } from './region-slots';
import { createRegionActivities } from './regions';
import { createCreationSlotActivities, type CreationSlotsDependencies } from './creation-slots';
import { createNotifierActivities, type NotificationSink } from './notifier';
import { createOrganizationDirectoryActivities } from './organization-directory';
import { createOrganizationsActivities, type OrganizationsConfig } from './organizations';
import { createRootAccessActivities } from './root-access';
import { createGuardianActivities, type GuardianDependencies } from './root-window-guardian';

export interface ActivityDependencies {
  aws: AwsClients;
  notificationSinks: NotificationSink[];
  organizations?: OrganizationsConfig;
  /** The creation-slot coordinator's client and settings; without it creations are not coordinated. */
  creationSlots?: CreationSlotsDependencies;
  /** The closure coordinator's client and settings; without it closures are not coordinated. */
  closureSlots?: ClosureSlotsDependencies;
  /** The region coordinator's client and settings; without it regions are enabled uncoordinated. */
  regionSlots?: RegionSlotsDependencies;
  /** The root-window guardian's Temporal client; without it the guardian finds nothing. */
  guardian?: GuardianDependencies;
  now?: () => Date;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createOrganizationsActivities(deps.aws, deps.organizations),
    ...createOrganizationDirectoryActivities(deps.aws),
    ...createAlternateContactActivities(deps.aws),
    ...createReadinessActivities(deps.aws),
    ...createBillingAccessActivities(deps.aws, deps.now),
    ...createRootAccessActivities(deps.aws, deps.now),
    ...createNotifierActivities(deps.notificationSinks),
    ...createCreationSlotActivities(deps.creationSlots),
    ...createGuardianActivities(deps.guardian),
    ...createAccountClosureActivities(deps.aws),
    ...createClosureSlotActivities(deps.aws, deps.closureSlots),
    // The day-1 baseline: one file per step.
    ...createIdentityCenterActivities(deps.aws),
    ...createRegionActivities(deps.aws),
    ...createRegionSlotActivities(deps.regionSlots),
    ...createBaselineContactActivities(deps.aws),
    ...createBudgetActivities(deps.aws),
    ...createDefaultVpcActivities(deps.aws),
    ...createGuardrailActivities(deps.aws),
  };
}

export type VendingActivities = ReturnType<typeof createActivities>;
