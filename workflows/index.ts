export { vendAccount } from './vending';
export { coordinateCreationSlots } from './creation-slots';
export { organizationDirectory } from './organization-directory';
export { holdIdempotencyKey } from './idempotency-key';
