/**
 * Reading the blueprint files at start: every `*.yaml` file of the blueprints folder, parsed and checked against
 * BlueprintSchema. The worker and the API both call this when they start, so a file with a problem stops either of
 * them with the file and the field named. The workflow never reads a file (the API stores a blueprint's content in
 * the request), so an edited file changes new requests only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { BlueprintSchema, type Blueprint } from '../contract/blueprint';
import { parseConfig } from './parse';

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

/**
 * Loads and checks every blueprint of the folder, in file-name order; throws BlueprintFileError naming the file and
 * the fields. Also checked across files: the name matches the file, and no OU has two default blueprints.
 */
export function loadBlueprintFiles(dir: string = DEFAULT_BLUEPRINTS_DIR): Blueprint[] {
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
  return blueprints;
}

const BlueprintsEnvSchema = z.object({ blueprintsDir: z.string().min(1).optional() });

/** VEND_BLUEPRINTS_DIR (empty = unset, as for every setting), else the repo's blueprints folder. */
export function blueprintsDirFromEnv(env: NodeJS.ProcessEnv): string {
  const { blueprintsDir } = parseConfig(BlueprintsEnvSchema, { blueprintsDir: env.VEND_BLUEPRINTS_DIR || undefined });
  return blueprintsDir ? path.resolve(blueprintsDir) : DEFAULT_BLUEPRINTS_DIR;
}
