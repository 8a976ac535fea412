/** Helpers for baseline tests: blueprints resolved as the API resolves them, and operator decisions as the API signs them. */
import { type WorkflowHandle } from '@temporalio/client';
import { baselineInputFor, decideBaselineStep } from '../../client/baseline';
import { loadBlueprintCatalog } from '../../client/blueprint-catalog';
import { describeRequest, type Actor } from '../../client/temporal';
import { type BaselineInput, type BaselinePolicyOverrides, type BaselineStepDecision } from '../../contract/baseline';
import { BlueprintSchema, type Blueprint } from '../../contract/blueprint';
import { resolvePolicy } from '../../contract/policy-defaults';
import { statusQuery } from '../../contract/vending';
import { TEST_BASELINE_POLICY, type TestEnv } from './env';

/** The repo's example blueprints (blueprints/*.yaml). */
export const exampleBlueprints = () => loadBlueprintCatalog();

/** A request's baseline as the API would start it: the blueprint's content under the test policy. */
export function baselineOf(env: TestEnv, blueprint: Blueprint | string, policy: BaselinePolicyOverrides = {}): BaselineInput {
  const found = typeof blueprint === 'string' ? exampleBlueprints().get(blueprint) : blueprint;
  if (!found) throw new Error(`no example blueprint ${String(blueprint)}`);
  const resolved = baselineInputFor(found, resolvePolicy(env.policy), { ...TEST_BASELINE_POLICY, ...policy });
  if ('problem' in resolved) throw new Error(resolved.problem);
  return resolved.baseline;
}

/** An operator's retry or skip of the step waiting now, signed for this failure of it. */
export async function decideBaselineAs(env: TestEnv, handle: WorkflowHandle, actor: Actor, decision: BaselineStepDecision, reason = `${decision} by ${actor.user}`) {
  const facts = await describeRequest(env.client, handle.workflowId);
  const pending = (await handle.query(statusQuery)).baseline?.pending;
  if (!pending) throw new Error('no baseline step is waiting');
  return decideBaselineStep(env.client, env.signer, { id: handle.workflowId, ...facts }, actor, { decision, step: pending.step, occurrence: pending.occurrence, reason });
}

/** A blueprint written in the test, checked as a file would be. */
export function blueprint(name: string, steps: unknown): Blueprint {
  return BlueprintSchema.parse({ name, version: 1, steps });
}
