/**
 * docker-compose.yml, the Dockerfile and deploy/temporal/ against the code they deploy and against the native cluster
 * (`npm run cluster`, which test/cluster/ runs; there is no Docker engine here, so these files are parsed, not run):
 * env vars the services set are ones the config code reads, the search attributes and the task queue are the
 * contract's, one task-queue partition, pinned images, an image whose build covers every folder and package the
 * worker, the API and the CLI load, and the same versions, config files and env names as the native cluster.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import YAML from 'yaml';
import { SEARCH_ATTRIBUTE_NAMES } from '../../contract/search-attributes';
import {
  apiServiceEnv,
  DYNAMIC_CONFIG_FILE,
  NAMESPACE_SCRIPT,
  namespaceSetupEnv,
  NATIVE_ONLY_TEMPORAL_ENV,
  SCHEMA_SCRIPT,
  schemaEnv,
  temporalClientEnv,
  temporalServerEnv,
  uiEnv,
  workerServiceEnv,
} from '../../cluster/services';
import { NODE_VERSION, POSTGRES_MAJOR, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../cluster/versions';
import { DEFAULT_TASK_QUEUE } from '../../contract/task-queues';
import { WORKER_NODE_FLAGS } from '../../worker/node-flags';

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
  deploy?: { replicas?: number };
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

test('two workers and two APIs run the compiled JavaScript on the compose Temporal and the contract task queue; the API needs OIDC unless told otherwise', () => {
  for (const [name, entry] of [
    ['worker', 'worker/main.ts'],
    ['api', 'client/api/main.ts'],
  ] as const) {
    expect(env(name)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default', VEND_TASK_QUEUE: DEFAULT_TASK_QUEUE });
    expect(services[name].depends_on).toMatchObject({ 'temporal-setup': { condition: 'service_completed_successfully' } });
    // tsc -p tsconfig.build.json emits <file>.ts as dist/<file>.js; the worker with its node flags (one list).
    const flags = name === 'worker' ? [...WORKER_NODE_FLAGS] : [];
    expect(services[name].command).toEqual(['node', ...flags, `dist/${entry.replace(/\.ts$/, '.js')}`]);
    expect(existsSync(path.join(ROOT, entry))).toBe(true);
    expect(services[name].deploy?.replicas).toBe(2);
  }
  expect(env('worker')).toMatchObject({ VEND_AWS_MODE: 'aws', VEND_WORKFLOW_BUNDLE: '/app/dist/workflow-bundle.js' });
  expect(read('Dockerfile')).toMatch(/tsx tooling\/bundle-workflows\.ts dist\/workflow-bundle\.js/);
  expect(read('Dockerfile')).toContain(`CMD [${['node', ...WORKER_NODE_FLAGS, 'dist/worker/main.js'].map((a) => JSON.stringify(a)).join(', ')}]`);
  expect(env('worker')).not.toHaveProperty('VEND_AWS_ENDPOINT');
  // A shared environment must not run on the laptop's static dev tokens by default.
  expect(env('api').VEND_AUTH_MODE).toBe('${VEND_AUTH_MODE:-oidc}');
});

test('the setup job registers the namespace and the contract SEARCH_ATTRIBUTE_NAMES, all Keyword, once Temporal is healthy', () => {
  const setup = services['temporal-setup'];
  expect(String(env('temporal-setup').SEARCH_ATTRIBUTES).split(/\s+/)).toEqual([...SEARCH_ATTRIBUTE_NAMES]);
  expect(setup.volumes).toContain('./deploy/temporal/setup-namespace.sh:/etc/temporal/setup-namespace.sh:ro');
  expect(setup.entrypoint).toEqual(['sh', '/etc/temporal/setup-namespace.sh']);
  const script = read('deploy/temporal/setup-namespace.sh');
  expect(script).toContain('for name in $SEARCH_ATTRIBUTES');
  expect(script).toMatch(/temporal operator search-attribute create [^\n]*--name "\$name" --type Keyword/);
  expect(script).toMatch(/temporal operator namespace create --namespace "\$TEMPORAL_NAMESPACE" --retention "\$NAMESPACE_RETENTION"/);
  expect(setup.depends_on).toMatchObject({ temporal: { condition: 'service_healthy' } });
});

test('Temporal runs the production server image on PostgreSQL after the schema job, with deploy/temporal/dynamicconfig.yaml: one partition per task queue', () => {
  expect(services.temporal.image).toMatch(/^temporalio\/server:/);
  expect(JSON.stringify(compose)).not.toContain('auto-setup');
  expect(env('temporal')).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
  expect(services.temporal.depends_on).toMatchObject({ 'temporal-schema': { condition: 'service_completed_successfully' } });
  const schema = services['temporal-schema'];
  expect(schema.image).toMatch(/^temporalio\/admin-tools:/);
  expect(schema.volumes).toContain('./deploy/temporal/setup-schema.sh:/etc/temporal/setup-schema.sh:ro');
  expect(schema.entrypoint).toEqual(['sh', '/etc/temporal/setup-schema.sh']);
  expect(schema.depends_on).toMatchObject({ postgresql: { condition: 'service_healthy' } });

  const mount = (services.temporal.volumes ?? []).find((v) => v.startsWith('./deploy/temporal/dynamicconfig.yaml:'));
  expect(mount).toBeDefined();
  expect(String(env('temporal').DYNAMIC_CONFIG_FILE_PATH)).toBe(mount!.split(':')[1]);

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

test('the image compiles every folder the worker, the API and the CLI import, and their packages are dependencies', () => {
  const entries = ['worker/main.ts', 'client/api/main.ts', 'client/cli/main.ts'];
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
  // The build stage copies them and tsc -p tsconfig.build.json compiles them.
  const dockerfile = read('Dockerfile');
  const copied = new Set([...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/).slice(0, -1)).map((p) => p.replace(/\/$/, '')));
  expect([...topLevel].filter((t) => !copied.has(t)).sort()).toEqual([]);
  const build = JSON.parse(read('tsconfig.build.json')) as { include: string[]; compilerOptions: { outDir: string } };
  expect([...topLevel].filter((t) => !build.include.includes(t)).sort()).toEqual([]);
  expect(build.compilerOptions.outDir).toBe('dist');
  expect(copied).toContain('tsconfig.json');
  expect(copied).toContain('tsconfig.build.json');
  // The image installs production dependencies only and copies the compiled output.
  const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
  expect([...packages].filter((p) => !(p in pkg.dependencies)).sort()).toEqual([]);
  expect(dockerfile).toMatch(/npm ci --omit=dev/);
  expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
  // Nothing the image lacks on purpose is reachable from it.
  for (const t of ['test', 'sandbox', 'scripts', 'bench', 'cluster']) expect(topLevel).not.toContain(t);
});

// ---- the native cluster (npm run cluster) and this file name the same things -----------------------------------

test('the native cluster and compose run the same versions: Temporal server and its admin tools, Web UI, PostgreSQL major, Node.js', () => {
  expect(services.temporal.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
  expect(services['temporal-schema'].image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
  expect(services['temporal-setup'].image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
  expect(services['temporal-ui'].image).toBe(`temporalio/ui:${TEMPORAL_UI_VERSION}`);
  expect(services.postgresql.image).toMatch(new RegExp(`^postgres:${POSTGRES_MAJOR}\\.`));
  const from = [...read('Dockerfile').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
  expect(from.length).toBe(2);
  for (const image of from) expect(image).toBe(`node:${NODE_VERSION}-bookworm-slim`);
  // An LTS line (even major); package.json's engines admit it.
  expect(Number(NODE_VERSION.split('.')[0]) % 2).toBe(0);
});

test('the native cluster and compose use the same config files: dynamic config, schema script, setup script', () => {
  expect(path.relative(ROOT, DYNAMIC_CONFIG_FILE)).toBe('deploy/temporal/dynamicconfig.yaml');
  expect(services.temporal.volumes).toContain(`./${path.relative(ROOT, DYNAMIC_CONFIG_FILE)}:${env('temporal').DYNAMIC_CONFIG_FILE_PATH}:ro`);
  expect(services['temporal-schema'].volumes).toContain(`./${path.relative(ROOT, SCHEMA_SCRIPT)}:/etc/temporal/setup-schema.sh:ro`);
  expect(services['temporal-setup'].volumes).toContain(`./${path.relative(ROOT, NAMESPACE_SCRIPT)}:/etc/temporal/setup-namespace.sh:ro`);
});

test('the native cluster sets the same env names as compose for each service (and the same values where they are not addresses)', () => {
  const names = (e: Record<string, unknown>) => Object.keys(e).sort();
  const pg = { host: '127.0.0.1', port: 5432, user: 'temporal', password: 'x' };
  const ports = { frontendGrpc: 1, frontendHttp: 2, frontendMembership: 3, historyGrpc: 4, historyMembership: 5, matchingGrpc: 6, matchingMembership: 7, workerGrpc: 8, workerMembership: 9 };

  expect(names(schemaEnv(pg))).toEqual(names(env('temporal-schema')));
  expect(schemaEnv(pg).SQL_PLUGIN).toBe(env('temporal-schema').SQL_PLUGIN);

  const server = temporalServerEnv(pg, '127.0.0.1', ports);
  const nativeOnly = new Set<string>(NATIVE_ONLY_TEMPORAL_ENV);
  expect(names(server).filter((n) => !nativeOnly.has(n))).toEqual(names(env('temporal')));
  for (const key of ['DB', 'NUM_HISTORY_SHARDS', 'TEMPORAL_ALLOW_NO_AUTH', 'POSTGRES_USER']) expect({ key, value: server[key] }).toEqual({ key, value: env('temporal')[key] });

  // The namespace, its retention and the attributes are the same; only the address differs.
  expect({ ...namespaceSetupEnv('temporal:7233', 'default') }).toEqual(env('temporal-setup'));
  expect(names(uiEnv('temporal:7233', 'default', 8080))).toEqual(names(env('temporal-ui')));
  expect(uiEnv('temporal:7233', 'default', 8080)).toEqual(env('temporal-ui'));

  const temporal = temporalClientEnv('temporal:7233', 'default', DEFAULT_TASK_QUEUE);
  // Natively the workers use the AWS sandbox (an endpoint and static keys), compose real AWS through the SDK's chain.
  const sandboxAws = { VEND_AWS_MODE: 'sandbox', VEND_AWS_ENDPOINT: 'x', VEND_AWS_REGION: 'x', VEND_AWS_ACCESS_KEY_ID: 'x', VEND_AWS_SECRET_ACCESS_KEY: 'x', VEND_AWS_QUOTA_SCALE: '1' };
  const worker = workerServiceEnv({ temporal, aws: sandboxAws, bundlePath: 'x', metricsAddress: 'x' });
  const sandboxOnly = new Set(['VEND_AWS_ENDPOINT', 'VEND_AWS_ACCESS_KEY_ID', 'VEND_AWS_SECRET_ACCESS_KEY', 'VEND_AWS_QUOTA_SCALE']);
  expect(names(worker).filter((n) => !sandboxOnly.has(n))).toEqual(names(env('worker')).filter((n) => !AWS_SDK_ENV.has(n)));
  // Natively the APIs use the local dev tokens, compose OIDC.
  const oidcOnly = new Set(['VEND_OIDC_ISSUER', 'VEND_OIDC_AUDIENCE', 'VEND_OIDC_JWKS_URL']);
  expect(names(apiServiceEnv({ temporal, host: '127.0.0.1', port: 3000, decisionKeys: { VEND_DECISION_KEYS: '{}' } }))).toEqual(names(env('api')).filter((n) => !oidcOnly.has(n)));
});
