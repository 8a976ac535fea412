/**
 * The closure settings of the request API, from the environment, validated at start (a bad value stops the API with
 * the setting's name):
 *
 * - `VEND_CLOSURE_QUARANTINE_OU`: the OU (name or id) approved accounts wait in during the grace period; default
 *   `Suspended`. It must exist in the organization (a closure answers 503 CLOSURE_NOT_CONFIGURED until it does).
 * - `VEND_CLOSURE_DENY_POLICY_ID`: optional, an SCP (p-...) attached to the account in quarantine, e.g. a deny-all.
 * - `VEND_CLOSURE_PROTECTED_OUS`: comma-separated OU names or ids; accounts in them or below them are never closed.
 * - `VEND_CLOSURE_POLICY`: JSON overrides of the closure policy (contract/closure-policy.ts), checked against its bounds.
 */
import { z } from 'zod';
import { ClosurePolicyOverridesSchema } from '../../contract/closure-policy';
import { resolveClosurePolicy } from '../../contract/closure-policy-defaults';
import { OrganizationalUnitSchema } from '../../contract/request';

export const ClosureApiConfigSchema = z.object({
  quarantineOrganizationalUnit: OrganizationalUnitSchema.default('Suspended'),
  denyAllPolicyId: z
    .string()
    .regex(/^p-[0-9a-zA-Z_]{8,128}$/, 'an SCP id like p-abcd1234')
    .optional(),
  protectedOrganizationalUnits: z.array(OrganizationalUnitSchema).max(100).default([]),
  policy: ClosurePolicyOverridesSchema.default({}).superRefine((overrides, ctx) => {
    try {
      resolveClosurePolicy(overrides);
    } catch (err) {
      for (const issue of (err as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? []) {
        ctx.addIssue({ code: 'custom', path: issue.path.map(String), message: issue.message });
      }
    }
  }),
});
export type ClosureApiConfig = z.infer<typeof ClosureApiConfigSchema>;

export const DEFAULT_CLOSURE_API_CONFIG: ClosureApiConfig = ClosureApiConfigSchema.parse({});

/** The raw settings from the environment, for ApiConfigSchema's `closure` field. */
export function closureInputFromEnv(env: NodeJS.ProcessEnv): unknown {
  let policy: unknown = undefined;
  if (env.VEND_CLOSURE_POLICY) {
    try {
      policy = JSON.parse(env.VEND_CLOSURE_POLICY);
    } catch {
      policy = 'VEND_CLOSURE_POLICY is not valid JSON';
    }
  }
  return {
    quarantineOrganizationalUnit: env.VEND_CLOSURE_QUARANTINE_OU || undefined,
    denyAllPolicyId: env.VEND_CLOSURE_DENY_POLICY_ID || undefined,
    protectedOrganizationalUnits: env.VEND_CLOSURE_PROTECTED_OUS
      ? env.VEND_CLOSURE_PROTECTED_OUS.split(',').map((ou) => ou.trim()).filter(Boolean)
      : undefined,
    policy,
  };
}
