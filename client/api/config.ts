/** The request API's configuration, from the environment, validated. */
import { z } from 'zod';
import { PolicyOverridesSchema } from '../../contract/policy';
import { resolvePolicy } from '../../contract/policy-defaults';
import { DecisionKeysConfigSchema, decisionKeysInputFromEnv } from '../decision-signer';
import { EncryptionConfigSchema, encryptionInputFromEnv } from '../../encryption/config';
import { parseConfig } from '../../config/parse';
import { TemporalConnectionSchema, temporalConnectionInputFromEnv } from '../../config/temporal-connection';
import { staticTokenAuthenticator, type Authenticator } from './auth';
import { ClosureApiConfigSchema, closureInputFromEnv } from './closure-config';
import { oidcAuthenticator } from './oidc-auth';

/** `dev`: the static dev tokens (auth.ts), for a laptop only. `oidc`: JWTs verified against an issuer's JWKS. */
export const AuthConfigSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('dev') }),
  z.object({
    mode: z.literal('oidc'),
    issuer: z.url(),
    audience: z.string().min(1),
    jwksUrl: z.url(),
    userClaim: z.string().min(1).default('sub'),
    rolesClaim: z.string().min(1).default('roles'),
    algorithms: z
      .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']))
      .min(1)
      .default(['RS256', 'ES256']),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  }),
]);
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

export const ApiConfigSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(3000),
  temporal: TemporalConnectionSchema,
  /**
   * Policy fields every new request gets (deadlines, probes, attestation); the rest take today's defaults when a request
   * is accepted. Checked against the policy's bounds at start, so a bad VEND_POLICY stops the API, not a request.
   */
  policy: PolicyOverridesSchema.default({}).superRefine((overrides, ctx) => {
    try {
      resolvePolicy(overrides);
    } catch (err) {
      for (const issue of (err as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? []) {
        ctx.addIssue({ code: 'custom', path: issue.path.map(String), message: issue.message });
      }
    }
  }),
  /** The key ring that signs human decisions (client/decision-signer.ts). Required: without it nobody can decide. */
  decisionKeys: DecisionKeysConfigSchema.optional().superRefine((keys, ctx) => {
    if (!keys) ctx.addIssue({ code: 'custom', message: 'VEND_DECISION_KEYS is required: the key ring that signs human decisions (JSON {"<keyId>": "<base64 of 32 random bytes>"})' });
  }),
  auth: AuthConfigSchema.default({ mode: 'dev' }),
  /** How long a shutdown waits for in-flight requests before it gives up on them. */
  shutdownGraceMs: z.number().int().positive().default(10_000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Payload encryption (same key ring as the worker) and the AccountEmail HMAC key; unset = off. */
  encryption: EncryptionConfigSchema.optional(),
  /** Browser origins (the Temporal Web UI's) allowed to call the codec endpoint; used with encryption on. */
  codecCorsOrigins: z.array(z.url()).default(['http://127.0.0.1:8233', 'http://localhost:8233']),
  /** Account closure: quarantine OU, deny-all SCP, protected OUs, closure policy (client/api/closure-config.ts). */
  closure: ClosureApiConfigSchema.prefault({}),
});
export type ApiConfig = z.infer<typeof ApiConfigSchema>;

export function apiConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  let policy: unknown = undefined;
  if (env.VEND_POLICY) {
    try {
      policy = JSON.parse(env.VEND_POLICY);
    } catch {
      throw new Error('invalid configuration:\n  - VEND_POLICY: not valid JSON');
    }
  }
  const number = (value: string | undefined) => (value === undefined || value === '' ? undefined : Number(value));
  // The root-mailbox owner every request names in its root-window instructions, unless VEND_POLICY sets one.
  if (env.VEND_ROOT_MAILBOX_OWNER && (policy === undefined || (typeof policy === 'object' && policy !== null && !('rootMailboxOwner' in policy)))) {
    policy = { ...(policy as object | undefined), rootMailboxOwner: env.VEND_ROOT_MAILBOX_OWNER };
  }
  return parseConfig(ApiConfigSchema, {
    host: env.API_HOST,
    port: number(env.API_PORT),
    temporal: temporalConnectionInputFromEnv(env),
    policy,
    decisionKeys: decisionKeysInputFromEnv(env),
    auth:
      env.VEND_AUTH_MODE === 'oidc'
        ? {
            mode: 'oidc',
            issuer: env.VEND_OIDC_ISSUER,
            audience: env.VEND_OIDC_AUDIENCE,
            jwksUrl: env.VEND_OIDC_JWKS_URL,
            userClaim: env.VEND_OIDC_USER_CLAIM || undefined,
            rolesClaim: env.VEND_OIDC_ROLES_CLAIM || undefined,
            algorithms: env.VEND_OIDC_ALGORITHMS ? env.VEND_OIDC_ALGORITHMS.split(',').map((a) => a.trim()) : undefined,
            clockToleranceSeconds: number(env.VEND_OIDC_CLOCK_TOLERANCE_SECONDS),
          }
        : { mode: env.VEND_AUTH_MODE ?? 'dev' },
    shutdownGraceMs: number(env.API_SHUTDOWN_GRACE_MS),
    logLevel: env.LOG_LEVEL,
    encryption: encryptionInputFromEnv(env),
    codecCorsOrigins: env.VEND_CODEC_CORS_ORIGINS ? env.VEND_CODEC_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) : undefined,
    closure: closureInputFromEnv(env),
  });
}

export function authenticatorFor(config: AuthConfig): Authenticator {
  return config.mode === 'oidc' ? oidcAuthenticator(config) : staticTokenAuthenticator();
}
