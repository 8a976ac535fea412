export { vendAccount } from './vending';
