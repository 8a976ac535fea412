export { vendAccount } from './vending';
export { coordinateCreationSlots } from './creation-slots';
export { guardRootWindows, closeAbandonedRootWindow, reportOrphanAccount, raiseRootCredentialsAlarm } from './root-window-guardian';
export { organizationDirectory } from './organization-directory';
export { holdIdempotencyKey } from './idempotency-key';
export { closeAccount } from './close-account';
export { coordinateClosureSlots } from './closure-slots';
export { coordinateRegionSlots } from './region-slots';
