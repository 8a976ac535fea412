/**
 * The day-1 baseline of a vending request: its part of the workflow input (the resolved blueprint and the baseline's
 * timing, both complete at acceptance), its status, and the operator's signed decision on a step that failed.
 *
 * Bounded history: each step is ONE activity that reconciles and polls by being retried (server-side retries write no
 * history), regions come in grants from the org's region coordinator, and an operator may retry a step a few times
 * only. `maxBaselineHistoryEvents` is the worst case; the API refuses a request whose policy and blueprint together
 * could pass the history budget (contract/policy.ts).
 */
import { defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { BASELINE_STEPS, BlueprintShape, type ResolvedBlueprint } from './blueprint';
import { noteText } from './text';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---- timing ---------------------------------------------------------------------------------------------------------

const duration = z.number().int().positive();

export const BaselinePolicyShape = z.looseObject({
  /** How often an AWS operation in progress (an assignment, a region ENABLING) is polled: one activity retry each. */
  pollIntervalMs: duration,
  /** How long a step may keep retrying before it stops the request at needs-attention. */
  stepDeadlineMs: duration,
  /** The same for the regions step: ENABLING takes minutes to hours. */
  regionsDeadlineMs: duration,
  /** How long a request waits for region grants before it asks the coordinator again (it may have restarted). */
  regionSlotWaitMs: duration,
  /** How long a request waits at needs-attention for an operator's retry or skip before it ends there. */
  attentionDeadlineMs: duration,
});
export type BaselinePolicy = z.infer<typeof BaselinePolicyShape>;

export const BASELINE_POLICY_DEFAULTS: Readonly<BaselinePolicy> = Object.freeze({
  pollIntervalMs: 10_000,
  stepDeadlineMs: HOUR,
  regionsDeadlineMs: DAY,
  regionSlotWaitMs: 2 * HOUR,
  attentionDeadlineMs: 7 * DAY,
});

export const BASELINE_POLICY_BOUNDS: Record<keyof BaselinePolicy, readonly [number, number]> = {
  pollIntervalMs: [10, 10 * MINUTE],
  stepDeadlineMs: [1_000, DAY],
  regionsDeadlineMs: [1_000, 3 * DAY],
  regionSlotWaitMs: [100, DAY],
  attentionDeadlineMs: [1_000, 30 * DAY],
};

/** Loops whose length the input decides. */
export const BASELINE_LOOP_CAPS = { operatorRetriesPerStep: 3, regionSlotAsks: 50 } as const;

/**
 * The most history events the baseline can write: each step run, each region grant (signal, activity, release) and
 * each re-ask of the coordinator cost at most 12 events (as for the policy's loops); each step may run once plus the
 * operator's retries.
 */
export function maxBaselineHistoryEvents(blueprint: Pick<ResolvedBlueprint, 'steps'>, policy: Pick<BaselinePolicy, 'regionsDeadlineMs' | 'regionSlotWaitMs'>): number {
  const perLoop = 12;
  const runs = 1 + BASELINE_LOOP_CAPS.operatorRetriesPerStep;
  const steps = Object.values(blueprint.steps).filter((s) => s !== undefined).length;
  const regions = blueprint.steps.regions?.enable.length ?? 0;
  const asks = regions === 0 ? 0 : Math.min(BASELINE_LOOP_CAPS.regionSlotAsks, Math.ceil(policy.regionsDeadlineMs / policy.regionSlotWaitMs)) * runs;
  return 100 + perLoop * (steps * runs * 2 + regions * runs + asks);
}

export const BaselinePolicyOverridesSchema = z
  .object(Object.fromEntries(Object.keys(BASELINE_POLICY_BOUNDS).map((k) => [k, duration.optional()])) as Record<keyof BaselinePolicy, z.ZodOptional<typeof duration>>)
  .strict();
export type BaselinePolicyOverrides = z.infer<typeof BaselinePolicyOverridesSchema>;

/** What is out of bounds in these overrides over today's defaults: one issue per field. */
export function baselinePolicyIssues(overrides: BaselinePolicyOverrides): { path: string[]; message: string }[] {
  const merged = { ...BASELINE_POLICY_DEFAULTS, ...overrides } as BaselinePolicy;
  return (Object.entries(BASELINE_POLICY_BOUNDS) as [keyof BaselinePolicy, readonly [number, number]][])
    .filter(([field, [min, max]]) => (merged[field] as number) < min || (merged[field] as number) > max)
    .map(([field, [min, max]]) => ({ path: [field], message: `${field} must be between ${min} and ${max} ms` }));
}

/** Today's defaults under the overrides, bounds checked; throws naming the field. */
export function resolveBaselinePolicy(overrides: BaselinePolicyOverrides = {}): BaselinePolicy {
  const parsed = BaselinePolicyOverridesSchema.parse(overrides);
  const issues = baselinePolicyIssues(parsed);
  if (issues.length > 0) throw new Error(`baseline policy: ${issues.map((i) => i.message).join('; ')}`);
  return { ...BASELINE_POLICY_DEFAULTS, ...parsed } as BaselinePolicy;
}

// ---- input ----------------------------------------------------------------------------------------------------------

/** The baseline part of the workflow input: absent = no baseline (no blueprint named, none for the OU). */
export const BaselineInputShape = z.looseObject({
  blueprint: BlueprintShape,
  policy: BaselinePolicyShape,
});
export type BaselineInput = z.infer<typeof BaselineInputShape>;

// ---- status ---------------------------------------------------------------------------------------------------------

export const STEP_STATES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

export const BaselineStepStatusSchema = z.object({
  step: z.enum(BASELINE_STEPS),
  state: z.enum(STEP_STATES),
  /** What the step found and did, in words ("4 assignments: 1 created, 3 already there"). */
  outcome: z.string().optional(),
  /** How often it was run: 1, plus the operator's retries. */
  runs: z.number(),
  /** The last failure, while failed. */
  failure: z.object({ message: z.string(), type: z.string().optional() }).optional(),
  decidedBy: z.string().optional(),
});
export type BaselineStepStatus = z.infer<typeof BaselineStepStatusSchema>;

/** A step waiting for an operator: which one, and which time it failed (a decision names both). */
export const PendingBaselineDecisionSchema = z.object({
  step: z.enum(BASELINE_STEPS),
  /** Counts the step's failures: a decision signed for one failure is worthless for the next. */
  occurrence: z.number(),
  since: z.string(),
  deadline: z.string(),
});
export type PendingBaselineDecision = z.infer<typeof PendingBaselineDecisionSchema>;

/** The baseline's part of a request's status (contract/vending.ts VendingStatusSchema). */
export const BaselineStatusSchema = z.object({
  blueprint: z.object({ name: z.string(), version: z.number() }),
  steps: z.array(BaselineStepStatusSchema),
  pending: PendingBaselineDecisionSchema.optional(),
});
export type BaselineStatus = z.infer<typeof BaselineStatusSchema>;

// ---- the operator's decision ----------------------------------------------------------------------------------------

export const BASELINE_STEP_DECISIONS = ['retry', 'skip'] as const;
export type BaselineStepDecision = (typeof BASELINE_STEP_DECISIONS)[number];

export const BaselineStepDecisionSchema = z.looseObject({
  decision: z.enum(BASELINE_STEP_DECISIONS),
  step: z.string().min(1),
  occurrence: z.number().int().positive(),
  reason: noteText(z.string().trim().min(1, 'a reason is required').max(1000)),
  decidedBy: z.string().min(1),
  roles: z.array(z.string()),
  signedAt: z.string().optional(),
  keyId: z.string().optional(),
  signature: z.string().optional(),
});
export type BaselineStepDecisionInput = z.infer<typeof BaselineStepDecisionSchema>;

/** The signed act: `baseline-retry` / `baseline-skip`, the step and its failure's occurrence as what is decided. */
export function baselineStepAct(
  requestId: string,
  runId: string,
  d: Pick<BaselineStepDecisionInput, 'decision' | 'step' | 'occurrence' | 'reason' | 'decidedBy' | 'roles'> & { signedAt?: string },
) {
  return {
    requestId,
    runId,
    action: `baseline-${d.decision}`,
    decision: `${d.step}#${d.occurrence}`,
    reason: d.reason,
    actor: d.decidedBy,
    roles: d.roles,
    signedAt: d.signedAt ?? '',
  };
}

export interface BaselineStepDecisionRecord {
  decision: BaselineStepDecision;
  step: string;
  occurrence: number;
  reason: string;
  decidedBy: string;
  decidedAt: string;
}

export const decideBaselineStepUpdate = defineUpdate<BaselineStepDecisionRecord, [BaselineStepDecisionInput]>('decideBaselineStep');
