/**
 * The account's primary contact (PutContactInformation / GetContactInformation), which moto does not have, validated
 * with the API model's limits so that a contact AWS would refuse is refused here (ValidationException).
 */
import { type SandboxContext } from './context';
import { isManagement } from './identity';
import { type Principal } from './state';
import { restJsonError, type AwsRequest, type Reply } from './wire';

const FIELDS: Record<string, { max: number; required?: boolean; pattern?: RegExp }> = {
  AddressLine1: { max: 60, required: true },
  AddressLine2: { max: 60 },
  AddressLine3: { max: 60 },
  City: { max: 50, required: true },
  CompanyName: { max: 50 },
  CountryCode: { max: 2, required: true, pattern: /^[A-Z]{2}$/ },
  DistrictOrCounty: { max: 50 },
  FullName: { max: 50, required: true },
  PhoneNumber: { max: 20, required: true, pattern: /^[+][\s0-9()-]+$/ },
  PostalCode: { max: 20, required: true },
  StateOrRegion: { max: 50 },
  WebsiteUrl: { max: 256 },
};

export function handleContactInformation(ctx: SandboxContext, req: AwsRequest, principal: Principal): Reply {
  if (!isManagement(ctx, principal)) return restJsonError(req, 'AccessDeniedException', 'only the management account may address member accounts', 403);
  const accountId = String(req.json.AccountId ?? '');
  if (!ctx.state.accounts.has(accountId)) return restJsonError(req, 'AccessDeniedException', `account ${accountId} is not a member of the organization`, 403);
  const reply = (body: unknown): Reply => ({ status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': req.requestId }, body: JSON.stringify(body) });
  if (req.operation === 'GetContactInformation') {
    const info = ctx.state.baseline.contactInformation.get(accountId);
    return info ? reply({ ContactInformation: info }) : restJsonError(req, 'ResourceNotFoundException', 'no contact information is set', 404);
  }
  const info = req.json.ContactInformation;
  if (!info || typeof info !== 'object') return restJsonError(req, 'ValidationException', 'ContactInformation is required', 400);
  const given = info as Record<string, unknown>;
  for (const [field, rule] of Object.entries(FIELDS)) {
    const value = given[field];
    if (value === undefined) {
      if (rule.required) return restJsonError(req, 'ValidationException', `ContactInformation.${field} is required`, 400);
      continue;
    }
    if (typeof value !== 'string' || value.length < 1 || value.length > rule.max || (rule.pattern && !rule.pattern.test(value))) {
      return restJsonError(req, 'ValidationException', `ContactInformation.${field} is invalid`, 400);
    }
  }
  const unknown = Object.keys(given).filter((k) => !(k in FIELDS));
  if (unknown.length) return restJsonError(req, 'ValidationException', `unknown fields: ${unknown.join(', ')}`, 400);
  ctx.state.baseline.contactInformation.set(accountId, given as Record<string, string>);
  ctx.state.baseline.counters.contactInformationPuts++;
  return reply({});
}
