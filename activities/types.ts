/** The only module of activities/ that workflows import: types, erased at bundle time. */
export type { VendingActivities } from './index';
export type { CreateAccountOutcome, CreationStatus } from './organizations';
