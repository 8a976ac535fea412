/**
 * Blueprints: what a new account gets on day 1 (Identity Center access, opt-in regions, contacts, a budget, no default
 * VPCs, guardrail policies). Two schemas over one document, as for the policy:
 *
 * - `BlueprintSchema`: a blueprint FILE (blueprints/*.yaml), strict, with AWS's own limits, checked when the worker
 *   and the API start. A request names a blueprint; the API resolves it to its content at acceptance and stores that
 *   content in the workflow input, so an edited file never changes a running request.
 * - `BlueprintShape`: the same content as the workflow reads it from its input on every replay: types only, unknown
 *   fields pass, so a rule tightened later never breaks an old history.
 *
 * The caps on list lengths keep every request's history bounded (contract/baseline-policy.ts).
 */
import { z } from 'zod';
import { BUDGET_EMAIL_SUBSCRIBERS_PER_NOTIFICATION, POLICIES_PER_TARGET } from './aws-quotas';
import { AlternateContactSchema, BlueprintNameSchema } from './request';
import { plainText } from './text';

/** The order the steps run in: guardrails last, so no policy of the blueprint can stop another step midway. */
export const BASELINE_STEPS = ['identity-center', 'regions', 'contacts', 'budget', 'default-vpcs', 'guardrails'] as const;
export type BaselineStep = (typeof BASELINE_STEPS)[number];

/** List caps: AWS's own where it has one (policies per target, a notification's email subscribers), else far above any sane blueprint. */
export const BLUEPRINT_CAPS = {
  assignments: 20,
  regions: 25,
  thresholds: 5,
  subscribers: BUDGET_EMAIL_SUBSCRIBERS_PER_NOTIFICATION,
  policies: POLICIES_PER_TARGET,
} as const;

// ---- files ------------------------------------------------------------------------------------------------------

/** Identity Center permission-set names: 1-32 of `[\w+=,.@-]`. */
const PermissionSetNameSchema = z.string().regex(/^[\w+=,.@-]{1,32}$/, 'a permission-set name: 1-32 letters, digits and + = , . @ _ -');
/** Identity store display names and user names: printable, no control characters, 1-128 (AWS: 1-1024 / 1-128). */
const PrincipalNameSchema = plainText(z.string().min(1).max(128));
const RegionSchema = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'a region code like eu-south-1');
const PolicyNameSchema = plainText(z.string().min(1).max(128));

const AssignmentSchema = z
  .object({
    group: PrincipalNameSchema.optional().describe('an Identity Center group, by display name'),
    user: PrincipalNameSchema.optional().describe('an Identity Center user, by user name'),
    permissionSet: PermissionSetNameSchema,
  })
  .strict()
  .refine((a) => (a.group === undefined) !== (a.user === undefined), 'an assignment names exactly one of group or user');

/** AWS PutContactInformation's limits. */
export const PrimaryContactSchema = z
  .object({
    fullName: plainText(z.string().min(1).max(50)),
    companyName: plainText(z.string().min(1).max(50)).optional(),
    addressLine1: plainText(z.string().min(1).max(60)),
    addressLine2: plainText(z.string().min(1).max(60)).optional(),
    addressLine3: plainText(z.string().min(1).max(60)).optional(),
    city: plainText(z.string().min(1).max(50)),
    stateOrRegion: plainText(z.string().min(1).max(50)).optional(),
    districtOrCounty: plainText(z.string().min(1).max(50)).optional(),
    postalCode: plainText(z.string().min(1).max(20)),
    countryCode: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code like DE'),
    phoneNumber: z.string().max(20).regex(/^[+][\s0-9()-]+$/, 'a phone number starting with + (AWS: ^[+][\\s0-9()-]+$, at most 20)'),
    websiteUrl: plainText(z.string().min(1).max(256)).optional(),
  })
  .strict();
export type PrimaryContact = z.infer<typeof PrimaryContactSchema>;

const EmailSchema = z.string().max(254).regex(/^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'an email address');

export const BlueprintStepsSchema = z
  .object({
    identityCenter: z
      .object({
        assignments: z.array(AssignmentSchema).max(BLUEPRINT_CAPS.assignments).default([]),
        /** The requester's own access: this permission set for the identity-store user named like the requester. */
        requesterPermissionSet: PermissionSetNameSchema.optional(),
      })
      .strict()
      .refine((s) => s.assignments.length > 0 || s.requesterPermissionSet !== undefined, 'identityCenter makes no assignment')
      .optional(),
    regions: z
      .object({ enable: z.array(RegionSchema).min(1).max(BLUEPRINT_CAPS.regions) })
      .strict()
      .refine((r) => new Set(r.enable).size === r.enable.length, 'a region is listed twice')
      .optional(),
    contacts: z
      .object({
        primary: PrimaryContactSchema.optional(),
        /** Merged with the request's: the request's own alternate contacts win. */
        alternate: z
          .object({ billing: AlternateContactSchema.optional(), operations: AlternateContactSchema.optional(), security: AlternateContactSchema.optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    budget: z
      .object({
        name: plainText(z.string().regex(/^[^:\\]{1,100}$/, 'a budget name: 1-100 characters without : or \\')),
        monthlyLimitUsd: z.number().positive().max(1e9),
        /** Alert when ACTUAL cost passes each percentage of the limit. */
        thresholdsPercent: z.array(z.number().positive().max(1000)).min(1).max(BLUEPRINT_CAPS.thresholds),
        subscribers: z.array(EmailSchema).min(1).max(BLUEPRINT_CAPS.subscribers),
      })
      .strict()
      .optional(),
    defaultVpcs: z.object({ delete: z.literal(true) }).strict().optional(),
    guardrails: z
      .object({
        serviceControlPolicies: z.array(PolicyNameSchema).max(BLUEPRINT_CAPS.policies).default([]),
        resourceControlPolicies: z.array(PolicyNameSchema).max(BLUEPRINT_CAPS.policies).default([]),
      })
      .strict()
      .refine((g) => g.serviceControlPolicies.length + g.resourceControlPolicies.length > 0, 'guardrails names no policy')
      .optional(),
  })
  .strict();

export const BlueprintSchema = z
  .object({
    name: BlueprintNameSchema,
    version: z.number().int().positive(),
    description: plainText(z.string().max(500)).optional(),
    /** OUs (names or ids) whose requests get this blueprint when they name none. */
    defaultFor: z.array(z.string().min(1).max(128)).max(50).default([]),
    steps: BlueprintStepsSchema,
  })
  .strict();
export type Blueprint = z.infer<typeof BlueprintSchema>;
export type BlueprintSteps = z.infer<typeof BlueprintStepsSchema>;

// ---- what the workflow reads ----------------------------------------------------------------------------------------

const ContactShape = z.looseObject({ name: z.string(), title: z.string(), email: z.string(), phone: z.string() });

/** The resolved blueprint as stored in the workflow input: types only (see the file comment). */
export const BlueprintShape = z.looseObject({
  name: z.string(),
  version: z.number(),
  steps: z.looseObject({
    identityCenter: z
      .looseObject({
        assignments: z.array(z.looseObject({ group: z.string().optional(), user: z.string().optional(), permissionSet: z.string() })),
        requesterPermissionSet: z.string().optional(),
      })
      .optional(),
    regions: z.looseObject({ enable: z.array(z.string()) }).optional(),
    contacts: z
      .looseObject({
        primary: z.record(z.string(), z.string()).optional(),
        alternate: z.looseObject({ billing: ContactShape.optional(), operations: ContactShape.optional(), security: ContactShape.optional() }).optional(),
      })
      .optional(),
    budget: z
      .looseObject({ name: z.string(), monthlyLimitUsd: z.number(), thresholdsPercent: z.array(z.number()), subscribers: z.array(z.string()) })
      .optional(),
    defaultVpcs: z.looseObject({ delete: z.boolean() }).optional(),
    guardrails: z.looseObject({ serviceControlPolicies: z.array(z.string()), resourceControlPolicies: z.array(z.string()) }).optional(),
  }),
});
export type ResolvedBlueprint = z.infer<typeof BlueprintShape>;

/** The steps a blueprint uses, in the order they run. */
export function blueprintStepNames(steps: ResolvedBlueprint['steps']): BaselineStep[] {
  const used: Record<BaselineStep, boolean> = {
    'identity-center': steps.identityCenter !== undefined,
    regions: steps.regions !== undefined,
    contacts: steps.contacts?.primary !== undefined || Object.keys(steps.contacts?.alternate ?? {}).length > 0,
    budget: steps.budget !== undefined,
    'default-vpcs': steps.defaultVpcs !== undefined,
    guardrails: steps.guardrails !== undefined,
  };
  return BASELINE_STEPS.filter((s) => used[s]);
}
