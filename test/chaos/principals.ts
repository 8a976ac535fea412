/**
 * Who acts in a chaos program: the API's dev tokens plus a second requester, a second approver, an operator without
 * other roles and a caller without any role, so that four-eyes and role checks meet every kind of caller.
 */
import { DEV_TOKENS, type Principal } from '../../client/api/auth';

export const USERS = ['alice', 'dave', 'bob', 'erin', 'carol', 'oscar', 'mallory'] as const;
export type User = (typeof USERS)[number];

export const TOKENS: Record<User, string> = {
  alice: 'dev-requester',
  dave: 'chaos-requester-2',
  bob: 'dev-approver',
  erin: 'chaos-approver-2',
  carol: 'dev-admin',
  oscar: 'chaos-operator',
  mallory: 'chaos-no-roles',
};

/** The token table the harness's API authenticates with: the dev tokens unchanged, and ours. */
export const TOKEN_TABLE: Record<string, Principal> = {
  ...DEV_TOKENS,
  [TOKENS.dave]: { user: 'dave', roles: ['requester'] },
  [TOKENS.erin]: { user: 'erin', roles: ['approver'] },
  [TOKENS.oscar]: { user: 'oscar', roles: ['operator'] },
  [TOKENS.mallory]: { user: 'mallory', roles: [] },
};

export function principalOf(user: string): Principal | undefined {
  return Object.values(TOKEN_TABLE).find((p) => p.user === user);
}

export function holdsRole(user: string, role: Principal['roles'][number]): boolean {
  return principalOf(user)?.roles.includes(role) ?? false;
}

/** The user the harness reads with: an operator sees every request. */
export const OBSERVER: User = 'carol';
/** The operator who cancels parked requests while settling. */
export const SETTLING_OPERATOR: User = 'oscar';
