/**
 * docker-compose.yml, the Dockerfile and deploy/temporal/ against the code they deploy (no Docker engine here, so
 * the files are parsed, not run): env vars the services set are ones the config code reads, the search attributes
 * and the task queue are the contract's, one task-queue partition, pinned images, and an image that holds every
 * folder and package the worker, the API and the CLI load.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import YAML from 'yaml';
import { SEARCH_ATTRIBUTE_NAMES } from '../../contract/search-attributes';
import { DEFAULT_TASK_QUEUE } from '../../contract/task-queues';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}
const compose = YAML.parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const services = compose.services;
const env = (name: string) => services[name].environment ?? {};

// ---- env names the config code reads --------------------------------------------------------------------------

/** Resolves a relative import to a file (x.ts, x/index.ts) or undefined. */
function resolveLocal(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** The body of a top-level function (up to the first `}` at column 0). */
function functionBody(source: string, name: string): string | undefined {
  const start = source.search(new RegExp(`function ${name}\\s*[(<]`));
  if (start < 0) return undefined;
  const end = source.indexOf('\n}', start);
  return source.slice(start, end < 0 ? undefined : end);
}

/** Where an imported name comes from in a file (following `export { x } from` re-exports). */
function definingFile(file: string, name: string, seen = new Set<string>()): string | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  if (functionBody(source, name) !== undefined) return file;
  for (const m of source.matchAll(/(?:import|export)\s*\{([^}]*)\}\s*from\s*'(\.[^']+)'/g)) {
    const names = m[1].split(',').map((n) => n.replace(/\btype\b/, '').trim().split(/\s+as\s+/).pop());
    if (!names.includes(name)) continue;
    const target = resolveLocal(file, m[2]);
    if (target) return definingFile(target, name, seen);
  }
  return undefined;
}

/**
 * Every env name a `xxxFromEnv(env)` function reads: `env.NAME`, `env['NAME']`, keys of a zod object parsed from
 * env, names listed as string literals, and whatever the functions it hands `env` to read in turn.
 */
function envNamesRead(file: string, fn: string, seen = new Set<string>()): Set<string> {
  const names = new Set<string>();
  const key = `${file}#${fn}`;
  if (seen.has(key)) return names;
  seen.add(key);
  const body = functionBody(readFileSync(file, 'utf8'), fn);
  if (!body) throw new Error(`no function ${fn} in ${file}`);
  const patterns = [/\benv\.([A-Z][A-Z0-9_]*)\b/g, /\benv\[\s*'([A-Z][A-Z0-9_]*)'\s*\]/g, /^\s*([A-Z][A-Z0-9_]*)\s*:/gm, /'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g];
  for (const pattern of patterns) for (const m of body.matchAll(pattern)) names.add(m[1]);
  for (const m of body.matchAll(/\b(\w+)\(\s*env\b/g)) {
    const target = m[1] === fn ? undefined : definingFile(file, m[1]);
    if (target) for (const n of envNamesRead(target, m[1], seen)) names.add(n);
  }
  return names;
}

/** Prefers an exported list of env names when the config module offers one; otherwise reads the source. */
function configEnvNames(file: string, fn: string, exportName: string): Set<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = (require(path.join(ROOT, file)) as Record<string, unknown>)[exportName];
  if (Array.isArray(exported)) return new Set(exported as string[]);
  return envNamesRead(path.join(ROOT, file), fn);
}

/** Read by the AWS SDK (the default credentials chain), not by our config: allowed in the worker only. */
const AWS_SDK_ENV = new Set(['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']);

test('every env var the worker and the API services set is one their config reads', () => {
  const workerNames = configEnvNames('worker/config.ts', 'workerConfigFromEnv', 'WORKER_ENV_NAMES');
  const apiNames = configEnvNames('client/api/config.ts', 'apiConfigFromEnv', 'API_ENV_NAMES');
  // The extraction found what it must (so an empty set cannot pass by accident).
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'VEND_TASK_QUEUE', 'VEND_AWS_REGION', 'VEND_AWS_ENDPOINT', 'LOG_LEVEL']) {
    expect(workerNames).toContain(name);
  }
  for (const name of ['TEMPORAL_ADDRESS', 'VEND_TASK_QUEUE', 'API_HOST', 'API_PORT', 'VEND_AUTH_MODE', 'VEND_OIDC_ISSUER', 'LOG_LEVEL']) {
    expect(apiNames).toContain(name);
  }
  const unknown = (service: string, names: Set<string>, extra = new Set<string>()) =>
    Object.keys(env(service)).filter((n) => !names.has(n) && !extra.has(n));
  expect(unknown('worker', workerNames, AWS_SDK_ENV)).toEqual([]);
  expect(unknown('api', apiNames)).toEqual([]);
});

test('worker and API talk to the compose Temporal on the contract task queue; the API needs OIDC unless told otherwise', () => {
  for (const name of ['worker', 'api']) {
    expect(env(name)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default', VEND_TASK_QUEUE: DEFAULT_TASK_QUEUE });
    expect(services[name].depends_on).toMatchObject({ 'temporal-setup': { condition: 'service_completed_successfully' } });
    const command = services[name].command as string[];
    expect(command[0]).toBe('node_modules/.bin/tsx');
    expect(existsSync(path.join(ROOT, command[1]))).toBe(true);
  }
  expect(env('worker')).toMatchObject({ VEND_AWS_MODE: 'aws' });
  expect(env('worker')).not.toHaveProperty('VEND_AWS_ENDPOINT');
  // A shared environment must not run on the laptop's static dev tokens by default.
  expect(env('api').VEND_AUTH_MODE).toBe('${VEND_AUTH_MODE:-oidc}');
});

test('the search attributes registered on start are the contract SEARCH_ATTRIBUTE_NAMES, all Keyword', () => {
  const setup = services['temporal-setup'];
  expect(String(env('temporal-setup').SEARCH_ATTRIBUTES).split(/\s+/)).toEqual([...SEARCH_ATTRIBUTE_NAMES]);
  const script = ([] as string[]).concat(setup.command ?? []).join('\n');
  expect(script).toContain('for name in $$SEARCH_ATTRIBUTES');
  expect(script).toMatch(/temporal operator search-attribute create [^\n]*--name "\$\$name" --type Keyword/);
  // Nothing else registers attributes (auto-setup's samples are switched off).
  expect(env('temporal')).toMatchObject({ SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES: 'true' });
  expect(setup.depends_on).toMatchObject({ temporal: { condition: 'service_healthy' } });
});

test('Temporal runs on PostgreSQL with deploy/temporal/dynamicconfig.yaml: one partition per task queue', () => {
  expect(env('temporal')).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
  const mount = (services.temporal.volumes ?? []).find((v) => v.startsWith('./deploy/temporal/dynamicconfig.yaml:'));
  expect(mount).toBeDefined();
  const target = mount!.split(':')[1];
  // auto-setup resolves DYNAMIC_CONFIG_FILE_PATH against its working directory, /etc/temporal.
  expect(path.posix.resolve('/etc/temporal', String(env('temporal').DYNAMIC_CONFIG_FILE_PATH))).toBe(target);

  const dynamic = YAML.parse(read('deploy/temporal/dynamicconfig.yaml')) as Record<string, { value: unknown; constraints?: unknown }[]>;
  for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions']) {
    // One unconstrained value: every task queue of every namespace, the rate-limited ones included.
    expect(dynamic[key]).toEqual([{ value: 1 }]);
  }
});

test('every image is pinned to a version (no latest, no bare major), the Dockerfile base too', () => {
  const pinned = /^[\w./-]+:(?!latest)[\w.-]*\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$/;
  const images = Object.entries(services).map(([name, s]) => [name, s.image ?? (s.build ? 'built' : 'none')]);
  for (const [name, image] of images) {
    if (image === 'built') continue;
    expect({ name, image, pinned: pinned.test(image) }).toEqual({ name, image, pinned: true });
  }
  const from = [...read('Dockerfile').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
  expect(from.length).toBeGreaterThan(0);
  for (const image of from) expect({ image, pinned: pinned.test(image) }).toEqual({ image, pinned: true });
});

test('the Dockerfile copies every folder the worker, the API and the CLI import, and their packages are dependencies', () => {
  const entries = ['worker/main.ts', 'client/api/main.ts', 'client/cli/main.ts', 'bin/vend.js'];
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = entries.map((e) => path.join(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    const specs = [
      ...source.matchAll(/\bfrom\s+'([^']+)'/g),
      ...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
      ...source.matchAll(/\brequire(?:\.resolve)?\(\s*'([^']+)'\s*\)/g),
    ].map((m) => m[1]);
    for (const spec of specs) {
      if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec);
        if (!target) throw new Error(`${path.relative(ROOT, file)} imports ${spec}, which does not resolve`);
        queue.push(target);
      } else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
  }
  const topLevel = new Set([...files].map((f) => path.relative(ROOT, f).split(path.sep)[0]));
  const copied = new Set([...read('Dockerfile').matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/).slice(0, -1)).map((p) => p.replace(/\/$/, '')));
  expect([...topLevel].filter((t) => !copied.has(t)).sort()).toEqual([]);
  expect(copied).toContain('tsconfig.json');
  // The image installs production dependencies only (npm ci --omit=dev); tsx runs the TypeScript.
  const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
  packages.add('tsx');
  expect([...packages].filter((p) => !(p in pkg.dependencies)).sort()).toEqual([]);
  expect(read('Dockerfile')).toMatch(/npm ci --omit=dev/);
  // Nothing the image lacks on purpose is reachable from it.
  for (const t of ['test', 'sandbox', 'scripts', 'bench']) expect(topLevel).not.toContain(t);
});
