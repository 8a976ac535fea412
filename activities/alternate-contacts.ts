/** Alternate contacts (billing, operations, security) through the Account Management API, from the management account. */
import { PutAlternateContactCommand, type AlternateContactType } from '@aws-sdk/client-account';
import { type AlternateContact } from '../contract/request';
import { type AwsClients } from './aws-clients';
import { classify } from './errors';

export function createAlternateContactActivities(aws: AwsClients) {
  return {
    async putAlternateContacts(input: {
      accountId: string;
      contacts: Partial<Record<'billing' | 'operations' | 'security', AlternateContact>>;
    }): Promise<{ set: string[] }> {
      const set: string[] = [];
      for (const [kind, contact] of Object.entries(input.contacts)) {
        if (!contact) continue;
        const type = kind.toUpperCase() as AlternateContactType;
        try {
          // PutAlternateContact overwrites: repeating it after a lost answer is harmless.
          await aws.account.send(
            new PutAlternateContactCommand({
              AccountId: input.accountId,
              AlternateContactType: type,
              Name: contact.name,
              Title: contact.title,
              EmailAddress: contact.email,
              PhoneNumber: contact.phone,
            }),
          );
        } catch (err) {
          throw classify(err, `PutAlternateContact ${type}`);
        }
        set.push(type);
      }
      return { set };
    },
  };
}
