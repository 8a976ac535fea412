/**
 * A Temporal client for vending workflows: the connection, the payload codec (the same key ring as the worker's) and
 * how the AccountEmail search attribute is computed (the email, or its keyed hash when encryption is on). One object
 * carries all three, so every operation that needs them (start, list by email) gets them from the client it is given.
 */
import { Client, type Connection } from '@temporalio/client';
import { dataProtection, plainEmailSearchValue, type DataProtection } from '../../encryption';

export class VendingClient extends Client {
  constructor(
    connection: Connection,
    namespace: string,
    readonly protection: DataProtection = dataProtection(undefined),
  ) {
    super({ connection, namespace, ...(protection.dataConverter ? { dataConverter: protection.dataConverter } : {}) });
  }

  /** The AccountEmail search attribute's value for an email (plain when encryption is off, else its keyed hash). */
  emailSearchValue(email: string): string {
    return (this.protection.emailSearchValue ?? plainEmailSearchValue)(email);
  }
}

/** A Temporal client with the data protection in place (codec + AccountEmail hashing). */
export function createVendingClient(connection: Connection, namespace: string, protection?: DataProtection): VendingClient {
  return new VendingClient(connection, namespace, protection);
}
