/**
 * Bearer tokens as JWTs from an OIDC issuer, verified with `jose` against the issuer's JWKS (fetched and cached by
 * jose, refreshed on an unknown key id). The user comes from a configurable claim (default `sub`), the roles from
 * another (default `roles`; a dotted path such as `realm_access.roles` reaches into nested claims). Roles the
 * vending API does not know are ignored, so an IdP's other groups do not matter.
 */
import type * as Jose from 'jose';
import { type JWTPayload } from 'jose';
import { RoleSchema, type Role } from '../../contract/vending';
import { USER_ID_PATTERN, type Authenticator } from './auth';

export interface OidcSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
  userClaim: string;
  rolesClaim: string;
  /** Accepted signing algorithms; never `none`, never symmetric with a public JWKS. */
  algorithms: string[];
  clockToleranceSeconds: number;
}

export function oidcAuthenticator(settings: OidcSettings): Authenticator {
  // jose is ESM-only: loaded here (Node >= 20.19 requires ESM), not at the top, so that the dev-token mode and
  // this module's importers load where ESM cannot be required (jest on Node 20). A failure here is loud, at startup.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createRemoteJWKSet, jwtVerify } = require('jose') as typeof Jose;
  const jwks = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  return {
    async authenticate(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: settings.algorithms,
          clockTolerance: settings.clockToleranceSeconds,
          requiredClaims: ['exp'],
        }));
      } catch {
        // Bad signature, wrong issuer/audience, expired, unknown key: all the same to the caller (401).
        return undefined;
      }
      const user = claimAt(payload, settings.userClaim);
      if (typeof user !== 'string' || !USER_ID_PATTERN.test(user)) return undefined;
      return { user, roles: rolesFrom(claimAt(payload, settings.rolesClaim)) };
    },
  };
}

function claimAt(payload: JWTPayload, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), payload);
}

function rolesFrom(claim: unknown): Role[] {
  const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[\s,]+/) : [];
  const roles = new Set<Role>();
  for (const value of values) {
    const role = RoleSchema.safeParse(value);
    if (role.success) roles.add(role.data);
  }
  return [...roles];
}
