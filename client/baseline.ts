/**
 * The clients' side of the baseline: resolving a request's blueprint at acceptance, and the operator's signed retry
 * or skip of a failed step (the workflow's validator has the last word: workflows/baseline-run.ts).
 */
import { type Client } from '@temporalio/client';
import {
  baselineStepAct,
  decideBaselineStepUpdate,
  maxBaselineHistoryEvents,
  resolveBaselinePolicy,
  BaselinePolicyOverridesSchema,
  baselinePolicyIssues,
  type BaselineInput,
  type BaselinePolicyOverrides,
  type BaselineStepDecision,
  type BaselineStepDecisionRecord,
} from '../contract/baseline';
import { HISTORY_EVENT_BUDGET, maxHistoryEvents, type VendingPolicy } from '../contract/policy';
import { type Blueprint } from '../contract/blueprint';
import { resolveBlueprint } from './blueprint-catalog';
import { type DecisionSigner } from './decision-signer';
import { NoTrustedSigningKeyError, type Actor, type RequestFacts } from './temporal';

/** The baseline a request is started with, or a problem (the history budget) naming what to change. */
export function baselineInputFor(
  blueprint: Blueprint,
  policy: VendingPolicy,
  overrides: BaselinePolicyOverrides,
  requestAlternateContacts?: Record<string, unknown>,
): { baseline: BaselineInput } | { problem: string } {
  const baseline: BaselineInput = { blueprint: resolveBlueprint(blueprint, requestAlternateContacts), policy: resolveBaselinePolicy(overrides) };
  const events = maxHistoryEvents(policy) + maxBaselineHistoryEvents(baseline.blueprint, baseline.policy);
  if (events > HISTORY_EVENT_BUDGET) {
    return { problem: `blueprint ${blueprint.name} with this policy could write ${events} history events per request; the budget is ${HISTORY_EVENT_BUDGET}` };
  }
  return { baseline };
}

/** Signs the operator's retry or skip of the step waiting at needs-attention (this failure of it) and sends it. */
export async function decideBaselineStep(
  client: Client,
  signer: DecisionSigner,
  facts: Pick<RequestFacts, 'runId' | 'decisionKeyIds'> & { id: string },
  actor: Actor,
  decision: { decision: BaselineStepDecision; step: string; occurrence: number; reason: string },
): Promise<BaselineStepDecisionRecord> {
  const unsigned = { ...decision, decidedBy: actor.user, roles: actor.roles };
  const signature = signer.sign(baselineStepAct(facts.id, facts.runId, unsigned), facts.decisionKeyIds);
  if (!signature) throw new NoTrustedSigningKeyError(`the API holds none of the keys request ${facts.id} trusts`);
  return client.workflow.getHandle(facts.id, facts.runId).executeUpdate(decideBaselineStepUpdate, { args: [{ ...unsigned, ...signature }] });
}

/** VEND_BASELINE_POLICY: JSON overrides of the baseline's timing (contract/baseline.ts), checked at start. */
export function baselinePolicyFromEnv(env: NodeJS.ProcessEnv): BaselinePolicyOverrides {
  if (!env.VEND_BASELINE_POLICY) return {};
  let raw: unknown = undefined;
  try {
    raw = JSON.parse(env.VEND_BASELINE_POLICY);
  } catch {
    // reported below, without the value (it is configuration, not for logs)
  }
  if (raw === undefined) throw new Error('invalid configuration:\n  - VEND_BASELINE_POLICY: not valid JSON');
  const parsed = BaselinePolicyOverridesSchema.safeParse(raw);
  const issues = parsed.success ? baselinePolicyIssues(parsed.data) : parsed.error.issues;
  if (issues.length > 0) {
    throw new Error(`invalid configuration:\n${issues.map((i) => `  - VEND_BASELINE_POLICY.${i.path.map(String).join('.')}: ${i.message}`).join('\n')}`);
  }
  return raw as BaselinePolicyOverrides;
}

/** Every blueprint must fit the history budget with this policy: checked at start, so no request is refused for it later. */
export function checkBlueprintsFit(blueprints: readonly Blueprint[], policy: VendingPolicy, overrides: BaselinePolicyOverrides): void {
  const problems = blueprints.map((b) => baselineInputFor(b, policy, overrides)).flatMap((r) => ('problem' in r ? [r.problem] : []));
  if (problems.length > 0) throw new Error(`blueprints over the history budget:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
