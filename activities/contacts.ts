/**
 * Baseline step `contacts`: the account's primary contact (PutContactInformation) and its alternate contacts (the
 * blueprint's merged with the request's at acceptance), from the management account. Each is read first and written
 * only when it differs, so a repeated attempt writes nothing twice.
 */
import {
  GetAlternateContactCommand,
  GetContactInformationCommand,
  PutAlternateContactCommand,
  PutContactInformationCommand,
  type AlternateContactType,
  type ContactInformation,
} from '@aws-sdk/client-account';
import { type AwsClients } from './aws-clients';
import { awsErrorName, describeAwsError, nonRetryable } from './errors';
import { classify } from './errors';

export interface BaselineContactsInput {
  accountId: string;
  /** PutContactInformation's fields, camel-cased (contract/blueprint.ts PrimaryContactSchema). */
  primary?: Record<string, string>;
  alternate?: Partial<Record<'billing' | 'operations' | 'security', { name: string; title: string; email: string; phone: string }>>;
}

const PRIMARY_FIELDS: Record<string, keyof ContactInformation> = {
  fullName: 'FullName',
  companyName: 'CompanyName',
  addressLine1: 'AddressLine1',
  addressLine2: 'AddressLine2',
  addressLine3: 'AddressLine3',
  city: 'City',
  stateOrRegion: 'StateOrRegion',
  districtOrCounty: 'DistrictOrCounty',
  postalCode: 'PostalCode',
  countryCode: 'CountryCode',
  phoneNumber: 'PhoneNumber',
  websiteUrl: 'WebsiteUrl',
};

export function createBaselineContactActivities(aws: AwsClients) {
  const refused = (operation: string, err: unknown) =>
    awsErrorName(err) === 'ValidationException'
      ? nonRetryable('BaselineStepInvalid', `${operation} refused the contact: ${describeAwsError(err)}`)
      : classify(err, operation);

  return {
    async applyBaselineContacts(input: BaselineContactsInput): Promise<{ outcome: string }> {
      const written: string[] = [];
      const unchanged: string[] = [];
      if (input.primary) {
        const wanted = Object.fromEntries(
          Object.entries(input.primary).filter(([k]) => k in PRIMARY_FIELDS).map(([k, v]) => [PRIMARY_FIELDS[k], v]),
        ) as unknown as ContactInformation;
        let current: ContactInformation | undefined;
        try {
          current = (await aws.account.send(new GetContactInformationCommand({ AccountId: input.accountId }))).ContactInformation;
        } catch (err) {
          if (awsErrorName(err) !== 'ResourceNotFoundException') throw classify(err, 'GetContactInformation');
        }
        if (current && sameFields({ ...current }, { ...wanted })) unchanged.push('primary');
        else {
          try {
            await aws.account.send(new PutContactInformationCommand({ AccountId: input.accountId, ContactInformation: wanted }));
          } catch (err) {
            throw refused('PutContactInformation', err);
          }
          written.push('primary');
        }
      }
      for (const [kind, contact] of Object.entries(input.alternate ?? {})) {
        if (!contact) continue;
        const type = kind.toUpperCase() as AlternateContactType;
        let current;
        try {
          current = (await aws.account.send(new GetAlternateContactCommand({ AccountId: input.accountId, AlternateContactType: type }))).AlternateContact;
        } catch (err) {
          if (awsErrorName(err) !== 'ResourceNotFoundException') throw classify(err, `GetAlternateContact ${type}`);
        }
        if (current && current.Name === contact.name && current.Title === contact.title && current.EmailAddress === contact.email && current.PhoneNumber === contact.phone) {
          unchanged.push(kind);
          continue;
        }
        try {
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
          throw refused(`PutAlternateContact ${type}`, err);
        }
        written.push(kind);
      }
      const parts = [written.length ? `set ${written.join(', ')}` : '', unchanged.length ? `already set ${unchanged.join(', ')}` : ''].filter(Boolean);
      return { outcome: parts.join('; ') || 'nothing to set' };
    },
  };
}

function sameFields(current: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(current), ...Object.keys(wanted)].filter((k) => k !== '$metadata'));
  return [...keys].every((k) => (current[k] ?? '') === (wanted[k] ?? ''));
}
