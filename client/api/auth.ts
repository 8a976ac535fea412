/**
 * Who is calling: bearer tokens mapped to a user and roles. Locally a static table (the dev tokens below); the
 * decider's identity always comes from here, never from a request body.
 */
import { type Role } from '../../contract/vending';

export interface Principal {
  user: string;
  roles: Role[];
}

export interface Authenticator {
  /** The principal for a bearer token, or undefined when the token is unknown. */
  authenticate(token: string): Promise<Principal | undefined>;
}

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
