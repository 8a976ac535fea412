export { vendAccount } from './vending';
export { coordinateCreationSlots } from './creation-slots';
export { guardRootWindows, closeAbandonedRootWindow, reportOrphanAccount, raiseRootCredentialsAlarm } from './root-window-guardian';
export { organizationDirectory } from './organization-directory';
export { holdIdempotencyKey } from './idempotency-key';
export { coordinateRegionSlots } from './region-slots';
