/**
 * The clients' side of the workflows (the API goes through here; the CLI talks to the API). Temporal is the only store:
 * a key-holding workflow reserves each Idempotency-Key, the vending workflow's memo holds the idempotency fingerprint
 * and the trusted decision keys, visibility (search attributes) answers the lists, the `status` query the details.
 */
export * from './connection';
export * from './vending-client';
export * from './start';
export * from './read';
export * from './guardian-findings';
export * from './decisions';
