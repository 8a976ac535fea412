/**
 * The sandbox's knobs. One schema serves the library (`startSandbox({ settings })`), the CLI (env + JSON file) and the
 * control API (`POST /sandbox/settings`), so a bad value is refused the same way everywhere.
 *
 * Time: every duration is "AWS time" and is divided by `timeScale`; every rate (throttle refill) is multiplied by it.
 * A benchmark can so run an hour of AWS behaviour in a minute with the same shape.
 */
import { z } from 'zod';
import { CREATIONS_IN_PROGRESS, REGION_CHANGES_IN_PROGRESS } from '../contract/aws-quotas';
import { AccountClosureSettingsShape } from './account-closure-settings';

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export const FaultSettingsSchema = z
  .object({
    /** Share (0..1) of AWS calls answered with the service's throttling error regardless of the token buckets. */
    throttleRate: z.number().min(0).max(1).default(0),
    /** Share (0..1) of AWS calls answered 500 InternalFailure / 503 ServiceUnavailable. */
    errorRate: z.number().min(0).max(1).default(0),
    /** Added latency per AWS call (AWS time, divided by timeScale). */
    latencyMs: z.number().min(0).default(0),
    /**
     * Delay of the answer after the call took effect (AWS time): the "AWS did it, the caller never heard" window in
     * which a crashed caller must reconcile rather than repeat.
     */
    responseDelayMs: z.number().min(0).default(0),
    /**
     * AWS time during which a new CreateAccount request is missing from ListCreateAccountStatus (AWS's lists are
     * eventually consistent): the window in which a retried creation cannot find the first one by name.
     */
    createStatusListLagMs: z.number().min(0).default(0),
    /** When present, faults apply only to these operations (`CreateAccount` or `organizations:CreateAccount`). */
    operations: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type FaultSettings = z.infer<typeof FaultSettingsSchema>;

export const ForcedCreateFailureSchema = z
  .object({
    /** JavaScript regular expression tested against the CreateAccount Email. */
    emailPattern: z.string().min(1).refine(isValidRegex, { message: 'emailPattern is not a valid regular expression' }),
    /** The CreateAccountStatus FailureReason to report, e.g. INVALID_ADDRESS, INTERNAL_FAILURE. */
    reason: z.string().min(1),
    /** How many matching requests fail before later ones succeed; unlimited when absent. */
    times: z.number().int().positive().optional(),
  })
  .strict();
export type ForcedCreateFailure = z.infer<typeof ForcedCreateFailureSchema>;

export const SandboxSettingsSchema = z
  .object({
    timeScale: z.number().positive().max(100_000).default(1),
    /** AWS time a CreateAccount request stays IN_PROGRESS. Real AWS: about a minute; default short for demos. */
    createAccountDurationMs: z.number().min(0).default(3000),
    /** AWS time after SUCCEEDED during which AssumeRole into the new account is refused (AccessDenied). */
    accountReadyDelayMs: z.number().min(0).default(1000),
    /** AWS's per-operation token buckets (contract/aws-quotas.ts; docs/aws-facts.md). */
    throttling: z.boolean().default(true),
    faults: FaultSettingsSchema.prefault({}),
    /** Org-level Cost Explorer "linked account access" (member account access) switch. */
    linkedAccountAccess: z.boolean().default(true),
    /** Centralized root access: RootCredentialsManagement + RootSessions enabled for the org. */
    rootAccessFeatures: z.boolean().default(true),
    /** Accounts allowed in the organization (management account included); beyond -> FAILED ACCOUNT_LIMIT_EXCEEDED. */
    maxAccounts: z.number().int().positive().default(100_000),
    /** AWS's limit of account creations in progress at once. */
    maxCreateAccountsInProgress: z.number().int().positive().default(CREATIONS_IN_PROGRESS),
    forcedCreateFailures: z.array(ForcedCreateFailureSchema).default([]),
    /** CloseAccount: its duration, the rolling quota, the closures-at-once limit, the reopen window (account-closure-settings.ts). */
    ...AccountClosureSettingsShape,
    // ---- the day-1 baseline's services (sandbox/baseline-state.ts) ----
    /** Regions on in every account from the start (ENABLED_BY_DEFAULT); each has a default VPC. */
    defaultEnabledRegions: z.array(z.string().min(1)).min(1).default(['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1']),
    /** Opt-in regions (DISABLED until EnableRegion). */
    optInRegions: z.array(z.string().min(1)).default(['af-south-1', 'ap-east-1', 'eu-south-1', 'me-south-1', 'ap-south-2', 'eu-central-2', 'il-central-1', 'mx-central-1']),
    /** AWS time a region stays ENABLING (AWS: minutes, sometimes hours). */
    regionEnableDurationMs: z.number().min(0).default(60_000),
    /** AWS's caps on region changes (ENABLING/DISABLING) at once: per account and per organization. */
    maxRegionChangesPerAccount: z.number().int().positive().default(REGION_CHANGES_IN_PROGRESS.perAccount),
    maxRegionChangesPerOrganization: z.number().int().positive().default(REGION_CHANGES_IN_PROGRESS.perOrganization),
    /** AWS time an Identity Center account assignment stays IN_PROGRESS. */
    assignmentCreationMs: z.number().min(0).default(2_000),
  })
  .strict();
export type SandboxSettings = z.infer<typeof SandboxSettingsSchema>;

/**
 * Settings patch as accepted by the control API: `faults` may itself be partial. Only the keys given are kept: the
 * fields' defaults must not slip in (zod fills them even inside .partial()), or a patch of one field would reset every
 * other one (the time scale, linked-account access, ...).
 */
const PatchShape = SandboxSettingsSchema.extend({ faults: FaultSettingsSchema.partial().strict() }).partial().strict();
export const SandboxSettingsPatchSchema = z.unknown().transform((raw, ctx) => {
  const parsed = PatchShape.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message } as never);
    return z.NEVER;
  }
  const given = raw as Record<string, unknown>;
  const patch = Object.fromEntries(Object.entries(parsed.data).filter(([key]) => key in given)) as z.infer<typeof PatchShape>;
  if (patch.faults) {
    const faults = given.faults as Record<string, unknown>;
    patch.faults = Object.fromEntries(Object.entries(patch.faults).filter(([key]) => key in faults));
  }
  return patch;
});
export type SandboxSettingsPatch = z.infer<typeof PatchShape>;

export function defaultSettings(): SandboxSettings {
  return SandboxSettingsSchema.parse({});
}

/** Merges a patch over current settings (faults merged field by field) and validates the result. */
export function mergeSettings(
  current: SandboxSettings,
  patch: Partial<SandboxSettings> | SandboxSettingsPatch,
): SandboxSettings {
  const merged = { ...current, ...patch, faults: { ...current.faults, ...(patch.faults ?? {}) } };
  return SandboxSettingsSchema.parse(merged);
}

/** Readable one-line-per-issue text for a zod error (CLI and control API). */
export function describeZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
