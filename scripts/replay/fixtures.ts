/**
 * Where recorded histories live and what describes them. Written by scripts/record-histories.ts, read by the replay
 * test (test/replay/replay.test.ts):
 *
 *   test/replay/histories/<release>/<path>.json   one workflow run's history, as `temporal workflow show --output json`
 *                                                 and the Web UI export it (historyToJSON)
 *   test/replay/histories/<release>/manifest.json which run each file holds (workflow id and type, how it ended)
 *   test/replay/histories/<release>/README.md     the commit whose workflow code produced them, for people
 *
 * Release folders are named `<date>.<n>-<short commit>` so that they sort by age.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../tooling/bootstrap-tools';

export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

export const ReleaseNameSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}\.\d{1,3}-[0-9a-f]{7,40}$/, 'a release name is <date>.<n>-<short commit>, e.g. 2026-11-28.2-bbbe136');

/** A fixture's file name: the path's name, e.g. `off-approve-cloudtrail.json`. */
export const FixtureFileSchema = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*\.json$/, 'a fixture file is <path-name>.json');

export const FixtureEntrySchema = z.object({
  file: FixtureFileSchema,
  /** The recorded path (several files may come from one path, e.g. the runs before and after a continue-as-new). */
  path: z.string().min(1),
  workflowType: z.string().min(1),
  /** Replayed under this id: histories do not hold it, and the workflow derives activity inputs from it. */
  workflowId: z.string().min(1),
  runId: z.string().min(1),
  /** How the run stood when exported: COMPLETED, FAILED, CANCELED, CONTINUED_AS_NEW or RUNNING (a partial history). */
  status: z.string().min(1),
  /** What the run showed at the end, in a few words (the stage, the failure). */
  outcome: z.string(),
  events: z.number().int().positive(),
});
export type FixtureEntry = z.infer<typeof FixtureEntrySchema>;

export const ReleaseManifestSchema = z.object({
  release: ReleaseNameSchema,
  /** The commit whose workflows/ and worker/ produced the histories. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  subject: z.string(),
  recordedAt: z.string().min(1),
  /** The commit of the recorder (this repository) and the Temporal CLI that served the runs. */
  recorder: z.object({
    commit: z.string(),
    temporalCli: z.string(),
    sandboxTimeScale: z.number().positive(),
    /** The dev server's limit.historyCount.suggestContinueAsNew. */
    suggestContinueAsNewAfterEvents: z.number().int().positive(),
  }),
  fixtures: z.array(FixtureEntrySchema).min(1),
  /** Paths this release's code does not have, with the reason. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })).default([]),
});
export type ReleaseManifest = z.infer<typeof ReleaseManifestSchema>;

export interface Fixture extends FixtureEntry {
  release: string;
  /** Path relative to the repository root, as a failure message names it. */
  relativePath: string;
  absolutePath: string;
}

/** Every fixture of every release, oldest release first. A manifest that does not match its folder is an error. */
export function loadFixtures(dir = HISTORIES_DIR): Fixture[] {
  if (!existsSync(dir)) return [];
  const releases = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return releases.flatMap((release) => {
    const folder = path.join(dir, release);
    const manifest = readManifest(folder);
    if (manifest.release !== release) throw new Error(`${folder}/manifest.json names release ${manifest.release}, not ${release}`);
    const onDisk = readdirSync(folder).filter((f) => f.endsWith('.json') && f !== 'manifest.json').sort();
    const listed = manifest.fixtures.map((f) => f.file).sort();
    const unlisted = onDisk.filter((f) => !listed.includes(f));
    const missing = listed.filter((f) => !onDisk.includes(f));
    if (unlisted.length || missing.length) {
      throw new Error(
        `${folder}: manifest.json and the folder disagree` +
          (unlisted.length ? `; not in the manifest: ${unlisted.join(', ')}` : '') +
          (missing.length ? `; missing files: ${missing.join(', ')}` : ''),
      );
    }
    return manifest.fixtures.map((entry) => ({
      ...entry,
      release,
      absolutePath: path.join(folder, entry.file),
      relativePath: path.relative(PROJECT_ROOT, path.join(folder, entry.file)),
    }));
  });
}

export function readManifest(folder: string): ReleaseManifest {
  const file = path.join(folder, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ReleaseManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${file} is not a valid manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
