/**
 * The workflow bundle, rebuilt only when what it was built from changed. Bundling costs seconds (webpack over the
 * workflow code and its packages); most runs of the fast tier change no workflow code. The cache keeps the bundle
 * beside a manifest of every file webpack read for it (our workflows/ and contract/ and whatever they import, the
 * SDK's and the packages' files) with a SHA-256 of each, and of every path webpack looked for and did not find (a
 * new file there would change how an import resolves). Any difference, a changed lockfile, or a damaged cache:
 * bundled again.
 */
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TEST_DATA_DIR, WORKFLOW_BUNDLE_PATH } from './paths';

/** What the bundle was built from: each path and the SHA-256 of its content, null for a path that did not exist. */
const ManifestSchema = z.object({
  formatVersion: z.literal(1),
  lockfile: z.string(),
  workflowsPath: z.string(),
  bundle: z.string(),
  inputs: z.record(z.string(), z.string().nullable()),
});
type Manifest = z.infer<typeof ManifestSchema>;

const DIRECTORY = 'directory';

export interface CachedBundleOptions {
  workflowsPath: string;
  /** Where the bundle and its manifest are kept between runs. */
  cacheDir: string;
  /** The lockfile: a changed package version (the SDK's bundler among them) rebuilds. */
  lockfilePath: string;
  logger: NonNullable<BundleOptions['logger']>;
}

export interface CachedBundle {
  code: string;
  /** Why it was bundled again, or undefined when the cached one was still valid. */
  rebuiltBecause?: string;
}

export async function cachedWorkflowBundle(opts: CachedBundleOptions): Promise<CachedBundle> {
  const bundlePath = path.join(opts.cacheDir, 'workflow-bundle.js');
  const manifestPath = path.join(opts.cacheDir, 'workflow-bundle.manifest.json');
  const lockfile = contentHash(opts.lockfilePath) ?? 'absent';

  const stale = staleness(manifestPath, bundlePath, lockfile, opts.workflowsPath);
  if ('code' in stale) return { code: stale.code };

  const read = new Set<string>();
  const startedAt = Date.now();
  const bundle = await bundleWorkflowCode({
    workflowsPath: opts.workflowsPath,
    logger: opts.logger,
    webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), recordInputs(read)] }),
  });
  const manifest: Manifest = {
    formatVersion: 1,
    lockfile,
    workflowsPath: opts.workflowsPath,
    bundle: sha256(bundle.code),
    // Directories webpack listed (the repository's, node_modules) are left out: their other entries do not change the
    // bundle, and the paths that would (a file appearing where an import looked) are recorded one by one.
    inputs: Object.fromEntries(
      [...read]
        .sort()
        .map((file) => [file, contentHash(file)] as const)
        .filter(([, hash]) => hash !== DIRECTORY),
    ),
  };
  mkdirSync(opts.cacheDir, { recursive: true });
  // A file saved while webpack ran may be newer than what it bundled: use this bundle once, cache nothing.
  const changedMeanwhile = Object.keys(manifest.inputs).find((file) => modifiedSince(file, startedAt));
  if (changedMeanwhile) {
    rmSync(manifestPath, { force: true });
    return { code: bundle.code, rebuiltBecause: `${stale.reason}; not cached, ${changedMeanwhile} changed while bundling` };
  }
  // Bundle first, manifest last, each by rename: a run killed in between leaves a manifest that does not match.
  writeAtomically(bundlePath, bundle.code);
  writeAtomically(manifestPath, JSON.stringify(manifest, null, 1));
  return { code: bundle.code, rebuiltBecause: stale.reason };
}

/** The cached bundle when every input is as recorded; else the first difference found, in words. */
function staleness(manifestPath: string, bundlePath: string, lockfile: string, workflowsPath: string): { reason: string } | { code: string } {
  if (!existsSync(manifestPath) || !existsSync(bundlePath)) return { reason: 'no cached bundle' };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    return { reason: `${manifestPath} is not JSON` };
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) return { reason: `${manifestPath} is not a bundle manifest` };
  const manifest = parsed.data;
  if (manifest.lockfile !== lockfile) return { reason: 'package-lock.json changed' };
  if (manifest.workflowsPath !== workflowsPath) return { reason: `the workflows path changed (was ${manifest.workflowsPath})` };
  if (Object.keys(manifest.inputs).length === 0) return { reason: 'the manifest lists no inputs' };
  for (const [file, recorded] of Object.entries(manifest.inputs)) {
    const now = contentHash(file);
    if (now !== recorded) return { reason: `${file} ${recorded === null ? 'appeared' : now === null ? 'disappeared' : 'changed'}` };
  }
  const code = readFileSync(bundlePath, 'utf8');
  if (sha256(code) !== manifest.bundle) return { reason: 'the cached bundle does not match its manifest' };
  return { code };
}

/** A webpack plugin that collects every path the compilation read or looked for. */
function recordInputs(into: Set<string>) {
  return {
    apply(compiler: { hooks: { done: { tap(name: string, fn: (stats: { compilation: CompilationInputs }) => void): void } } }) {
      compiler.hooks.done.tap('record-bundle-inputs', ({ compilation }) => {
        for (const deps of [compilation.fileDependencies, compilation.missingDependencies, compilation.contextDependencies]) {
          for (const dep of deps) if (path.isAbsolute(dep)) into.add(dep);
        }
      });
    },
  };
}

interface CompilationInputs {
  fileDependencies: Iterable<string>;
  missingDependencies: Iterable<string>;
  contextDependencies: Iterable<string>;
}

/** SHA-256 of a file's content; null when nothing is there, `directory` for a directory. */
function contentHash(file: string): string | null {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return null;
  }
  return stat.isDirectory() ? DIRECTORY : sha256(readFileSync(file));
}

function modifiedSince(file: string, since: number): boolean {
  try {
    return statSync(file).mtimeMs >= since;
  } catch {
    return false;
  }
}

/** Bundler messages worth seeing (warnings and errors) on stderr; the rest dropped. */
export const quietBundleLogger: CachedBundleOptions['logger'] = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
};

/**
 * The tests' workflow bundle (both tiers' global setups): from the cache, written to WORKFLOW_BUNDLE_PATH by rename so
 * that a test file of another run reading it meanwhile never sees half a bundle.
 */
export async function prepareTestWorkflowBundle(): Promise<CachedBundle> {
  const bundle = await cachedWorkflowBundle({
    workflowsPath: require.resolve('../../workflows'),
    cacheDir: path.join(TEST_DATA_DIR, 'workflow-bundle-cache'),
    lockfilePath: path.resolve(__dirname, '../../package-lock.json'),
    logger: quietBundleLogger,
  });
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  writeAtomically(WORKFLOW_BUNDLE_PATH, bundle.code);
  return bundle;
}

function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
