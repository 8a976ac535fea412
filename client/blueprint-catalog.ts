/**
 * The blueprint catalog: every `*.yaml` file of the blueprints folder, parsed and checked against BlueprintSchema
 * when the worker and the API start. Any problem stops the process with the file and the field named. The API
 * resolves a request's blueprint (or its OU's default) to its CONTENT here, at acceptance; the workflow never reads
 * a file, so an edited file changes new requests only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { BlueprintSchema, blueprintStepNames, type Blueprint, type BaselineStep, type ResolvedBlueprint } from '../contract/blueprint';

/** The repo's example blueprints, which use every step: `blueprints/` beside package.json (from source or dist/). */
export const DEFAULT_BLUEPRINTS_DIR = path.join(packageRoot(__dirname), 'blueprints');

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}

export class BlueprintFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid blueprint file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

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

/** Loads and checks every blueprint of the folder; throws BlueprintFileError naming the file and the fields. */
export function loadBlueprints(dir: string = DEFAULT_BLUEPRINTS_DIR): BlueprintCatalog {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  } catch (err) {
    throw new BlueprintFileError(dir, [`the blueprints folder cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const blueprints: Blueprint[] = [];
  const defaults = new Map<string, string>();
  for (const file of files) {
    const shown = path.join(dir, file);
    const doc = parseDocument(readFileSync(shown, 'utf8'), { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) throw new BlueprintFileError(shown, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
    const parsed = BlueprintSchema.safeParse(doc.toJS());
    if (!parsed.success) {
      throw new BlueprintFileError(shown, parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`));
    }
    const blueprint = parsed.data;
    const stem = file.replace(/\.ya?ml$/, '');
    if (stem !== blueprint.name) throw new BlueprintFileError(shown, [`name: "${blueprint.name}" must match the file name (${stem})`]);
    for (const ou of blueprint.defaultFor) {
      const other = defaults.get(ou);
      if (other) throw new BlueprintFileError(shown, [`defaultFor: OU "${ou}" already has the default blueprint ${other}`]);
      defaults.set(ou, blueprint.name);
    }
    blueprints.push(blueprint);
  }
  return new BlueprintCatalog(blueprints);
}

/** VEND_BLUEPRINTS_DIR, else the repo's blueprints folder. */
export function blueprintsDirFromEnv(env: NodeJS.ProcessEnv): string {
  return env.VEND_BLUEPRINTS_DIR ? path.resolve(env.VEND_BLUEPRINTS_DIR) : DEFAULT_BLUEPRINTS_DIR;
}
