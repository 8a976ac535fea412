/**
 * Who is calling: bearer tokens mapped to a user and roles. Locally a static table (the dev tokens below); in a
 * shared environment JWTs from an OIDC issuer (oidc-auth.ts). The decider's identity always comes from here, never
 * from a request body.
 */
import { type Role } from '../../contract/vending';
import { ApiError } from './errors';

export interface Principal {
  user: string;
  roles: Role[];
}

export interface Authenticator {
  /** The principal for a bearer token, or undefined when the token is not valid. */
  authenticate(token: string): Promise<Principal | undefined>;
}

/**
 * A user id goes into search attributes and visibility queries (Requester), so it is held to a strict alphabet:
 * an identity provider's subject outside it is refused at the door rather than escaped later.
 */
export const USER_ID_PATTERN = /^[\w.@+|:-]{1,128}$/;

/** The local development tokens, documented in the README and used by every test. */
export const DEV_TOKENS: Record<string, Principal> = {
  'dev-requester': { user: 'alice', roles: ['requester'] },
  'dev-approver': { user: 'bob', roles: ['approver'] },
  'dev-admin': { user: 'carol', roles: ['requester', 'approver', 'operator'] },
};

export function staticTokenAuthenticator(tokens: Record<string, Principal> = DEV_TOKENS): Authenticator {
  const table = new Map(Object.entries(tokens));
  return { authenticate: async (token) => table.get(token) };
}

/** The Authorization header to a principal, or a 401 in the error shape. */
export async function authenticateHeader(authenticator: Authenticator, authorization: string | undefined): Promise<Principal> {
  const match = /^Bearer +([\x21-\x7E]{1,8192})$/i.exec(authorization ?? '');
  if (!match) throw new ApiError(401, 'UNAUTHENTICATED', 'an Authorization: Bearer <token> header is required');
  const principal = await authenticator.authenticate(match[1]);
  if (!principal) throw new ApiError(401, 'UNAUTHENTICATED', 'the bearer token is not valid');
  return principal;
}

export function requireRole(principal: Principal, role: Role, forWhat: string): void {
  if (!principal.roles.includes(role)) {
    throw new ApiError(403, 'FORBIDDEN', `${principal.user} does not hold the ${role} role needed to ${forWhat}`);
  }
}
