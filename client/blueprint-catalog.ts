/**
 * The API's blueprint catalog: the blueprints read at start (config/blueprint-files.ts), by name and by the OUs they
 * are the default for. The API resolves a request's blueprint (or its OU's default) to its CONTENT here, at
 * acceptance; the workflow never reads a file, so an edited file changes new requests only.
 */
import { blueprintStepNames, type Blueprint, type BaselineStep, type ResolvedBlueprint } from '../contract/blueprint';
import { DEFAULT_BLUEPRINTS_DIR, loadBlueprintFiles } from '../config/blueprint-files';

export interface BlueprintSummary {
  name: string;
  version: number;
  description?: string;
  defaultFor: string[];
  steps: BaselineStep[];
}

export class BlueprintCatalog {
  private readonly byName: ReadonlyMap<string, Blueprint>;

  constructor(readonly blueprints: readonly Blueprint[]) {
    this.byName = new Map(blueprints.map((b) => [b.name, b]));
  }

  get(name: string): Blueprint | undefined {
    return this.byName.get(name);
  }

  /** The blueprint an OU gets when the request names none: matched by the OU's id, name or path. */
  defaultFor(ou: { id?: string; name?: string; path?: string; given: string }): Blueprint | undefined {
    const names = [ou.given, ou.id, ou.name, ou.path].filter((v): v is string => v !== undefined);
    return this.blueprints.find((b) => b.defaultFor.some((d) => names.includes(d)));
  }

  summaries(): BlueprintSummary[] {
    return this.blueprints.map((b) => ({
      name: b.name,
      version: b.version,
      ...(b.description ? { description: b.description } : {}),
      defaultFor: b.defaultFor,
      steps: blueprintStepNames(b.steps),
    }));
  }
}

/** The content a workflow is started with: name, version and steps (the request's alternate contacts win). */
export function resolveBlueprint(blueprint: Blueprint, requestAlternateContacts?: Record<string, unknown>): ResolvedBlueprint {
  const steps = structuredClone(blueprint.steps);
  if (steps.contacts?.alternate && requestAlternateContacts) {
    // The request's own contacts are set at placement; the blueprint's fill only the kinds the request left out.
    for (const kind of Object.keys(requestAlternateContacts)) delete (steps.contacts.alternate as Record<string, unknown>)[kind];
  }
  return { name: blueprint.name, version: blueprint.version, steps };
}

/** The catalog of the folder's blueprints; throws BlueprintFileError (config/blueprint-files.ts) on any problem. */
export function loadBlueprintCatalog(dir: string = DEFAULT_BLUEPRINTS_DIR): BlueprintCatalog {
  return new BlueprintCatalog(loadBlueprintFiles(dir));
}
