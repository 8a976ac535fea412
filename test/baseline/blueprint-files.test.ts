/**
 * Blueprint files: the repo's examples load and use every step between them; a file with a problem is refused with
 * the file and the field named, by the loader and by the worker and the API at start (they exit before doing
 * anything else).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkBlueprintsFit } from '../../client/baseline';
import { loadBlueprintCatalog } from '../../client/blueprint-catalog';
import { BlueprintFileError, loadBlueprintFiles } from '../../config/blueprint-files';
import { randomDecisionKeysEnv } from '../../client/decision-signer';
import { BASELINE_STEPS, BlueprintSchema, blueprintStepNames } from '../../contract/blueprint';
import { resolvePolicy } from '../../contract/policy-defaults';
import { spawnManaged } from '../../tooling/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'blueprints-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const GOOD = `name: good
version: 2
steps:
  budget: { name: cap, monthlyLimitUsd: 10, thresholdsPercent: [100], subscribers: [f@example.com] }
`;

function problemOf(files: Record<string, string>): BlueprintFileError {
  try {
    loadBlueprintFiles(folderWith(files));
  } catch (err) {
    if (err instanceof BlueprintFileError) return err;
    throw err;
  }
  throw new Error('the folder loaded');
}

test("the repo's example blueprints load, and between them use every step", () => {
  const catalog = loadBlueprintCatalog();
  expect(catalog.blueprints.length).toBeGreaterThanOrEqual(2);
  expect(blueprintStepNames(catalog.get('standard-workload')!.steps)).toEqual([...BASELINE_STEPS]);
});

test.each([
  ['a region that is not a region code', GOOD.replace('steps:\n', 'steps:\n  regions: { enable: [europe] }\n'), 'steps.regions.enable.0'],
  ['an unknown field', GOOD.replace('version: 2', 'version: 2\ncolour: blue'), '(document)'],
  ['an assignment naming both a group and a user', GOOD.replace('steps:\n', 'steps:\n  identityCenter: { assignments: [{ group: a, user: b, permissionSet: ReadOnlyAccess }] }\n'), 'steps.identityCenter.assignments.0'],
  ['a phone number AWS refuses', GOOD.replace('steps:\n', 'steps:\n  contacts: { primary: { fullName: A, addressLine1: B, city: C, postalCode: "1", countryCode: DE, phoneNumber: "030 1234" } }\n'), 'steps.contacts.primary.phoneNumber'],
  ['a budget without subscribers', GOOD.replace('subscribers: [f@example.com]', 'subscribers: []'), 'steps.budget.subscribers'],
  ['more than 5 SCPs', GOOD.replace('steps:\n', 'steps:\n  guardrails: { serviceControlPolicies: [a, b, c, d, e, f] }\n'), 'steps.guardrails.serviceControlPolicies'],
])('%s: the file and the field are named', (_what, text, field) => {
  const err = problemOf({ 'good.yaml': text });
  expect(err.file).toMatch(/good\.yaml$/);
  expect(err.message).toContain(field);
});

test('a name that is not the file name, a YAML error, two defaults for one OU: each refused, naming the file', () => {
  expect(problemOf({ 'other.yaml': GOOD }).message).toMatch(/other\.yaml[\s\S]*name: "good" must match the file name/);
  expect(problemOf({ 'good.yaml': `${GOOD}steps: {}\n` }).message).toMatch(/good\.yaml[\s\S]*YAML/);
  const withDefault = (name: string) => GOOD.replace('name: good', `name: ${name}`).replace('version: 2', 'version: 2\ndefaultFor: [Workloads]');
  expect(problemOf({ 'a.yaml': withDefault('a'), 'b.yaml': withDefault('b') }).message).toMatch(/b\.yaml[\s\S]*OU "Workloads" already has the default blueprint a/);
});

function exitOf(entry: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const proc = spawnManaged(entry, path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, entry)], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      onLine: (line) => lines.push(line),
    });
    const timer = setTimeout(() => void proc.stop(), 40_000);
    void proc.exited.then((code) => {
      clearTimeout(timer);
      resolve({ code, output: lines.join('\n') });
    });
  });
}

test('the worker and the API stop at start on an invalid blueprint file, naming the file and the field', async () => {
  const dir = folderWith({ 'good.yaml': GOOD.replace('monthlyLimitUsd: 10', 'monthlyLimitUsd: -5') });
  const [worker, api] = await Promise.all([
    exitOf('worker/main.ts', {
      VEND_BLUEPRINTS_DIR: dir,
      VEND_AWS_ENDPOINT: 'http://127.0.0.1:9',
      VEND_AWS_ACCESS_KEY_ID: 'k',
      VEND_AWS_SECRET_ACCESS_KEY: 's',
      TEMPORAL_ADDRESS: '127.0.0.1:9',
    }),
    exitOf('client/api/main.ts', { VEND_BLUEPRINTS_DIR: dir, ...randomDecisionKeysEnv(), API_PORT: '0', TEMPORAL_ADDRESS: '127.0.0.1:9' }),
  ]);
  for (const { code, output } of [worker, api]) {
    expect(code).not.toBe(0);
    expect(output).toContain(path.join(dir, 'good.yaml'));
    expect(output).toContain('steps.budget.monthlyLimitUsd');
  }
}, 90_000);

test("the example blueprints fit the history budget with today's defaults (what `npm start` runs)", () => {
  expect(() => checkBlueprintsFit(loadBlueprintFiles(), resolvePolicy(), {})).not.toThrow();
  // A blueprint at every cap, with today's defaults: still inside the budget.
  const widest = BlueprintSchema.parse({
    name: 'widest',
    version: 1,
    steps: {
      identityCenter: { assignments: Array.from({ length: 20 }, (_, i) => ({ group: `g${i}`, permissionSet: 'ReadOnlyAccess' })) },
      regions: { enable: Array.from({ length: 25 }, (_, i) => `xx-r${String.fromCharCode(97 + i)}-1`) },
      budget: { name: 'b', monthlyLimitUsd: 1, thresholdsPercent: [1, 2, 3, 4, 5], subscribers: ['a@example.com'] },
      defaultVpcs: { delete: true },
      guardrails: { serviceControlPolicies: ['a', 'b', 'c', 'd', 'e'], resourceControlPolicies: ['a', 'b', 'c', 'd', 'e'] },
      contacts: { primary: { fullName: 'A', addressLine1: 'B', city: 'C', postalCode: '1', countryCode: 'DE', phoneNumber: '+1 1' } },
    },
  });
  expect(() => checkBlueprintsFit([widest], resolvePolicy(), {})).not.toThrow();
});
