/**
 * The blueprints a chaos program's submits may name: the repo's two examples without default-VPC deletion (moto
 * deletes default VPCs slowly on a loaded machine, and programs must settle in seconds) and without `defaultFor`, so
 * that a submit without `blueprint` vends as before and only the ones that name a blueprint run a baseline.
 */
import { BlueprintCatalog, loadBlueprintCatalog } from '../../client/blueprint-catalog';
import { type Blueprint } from '../../contract/blueprint';

/** Every step but default VPCs: access (group and requester), regions, contacts, budget, guardrails. */
export const FULL_BLUEPRINT = 'chaos-day-one';
/** The requester's access and a budget. */
export const MINIMAL_BLUEPRINT = 'chaos-minimal';

function derived(from: Blueprint | undefined, name: string): Blueprint {
  if (!from) throw new Error(`the repo's blueprints/ lack the example ${name} is made from`);
  const steps = structuredClone(from.steps);
  delete steps.defaultVpcs;
  return { ...from, name, description: `${from.name} without default-VPC deletion (chaos)`, defaultFor: [], steps };
}

export function chaosBlueprints(): BlueprintCatalog {
  const examples = loadBlueprintCatalog();
  return new BlueprintCatalog([derived(examples.get('standard-workload'), FULL_BLUEPRINT), derived(examples.get('sandbox-minimal'), MINIMAL_BLUEPRINT)]);
}
