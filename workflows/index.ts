export { vendAccount } from './vending';
export { coordinateCreationSlots } from './creation-slots';
