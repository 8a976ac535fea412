/**
 * Upgrades never break a request in flight: every history recorded from an earlier release's real runs
 * (test/replay/histories, made by scripts/record-histories.ts) must replay with the current workflow code, the
 * bundle the global setup built. Each fixture is its own test, so every one that diverges is named, with the event.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadFixtures } from '../../scripts/replay/fixtures';
import { WORKFLOW_BUNDLE_PATH } from '../support/paths';
import { replayFixtures, type ReplayOutcome } from '../support/replay';
import { ACCEPTED_DIVERGENCES } from './accepted-divergences';

const accepted = (relativePath: string) =>
  ACCEPTED_DIVERGENCES.find((d) => relativePath.endsWith(`${d.release}/${d.file}`) || relativePath === `${d.release}/${d.file}`);

const fixtures = loadFixtures();
const outcomes = new Map<string, ReplayOutcome>();

beforeAll(async () => {
  // Failed replays are reported by the tests below; the replay worker's own lines (core's included) would repeat them.
  Runtime.install({
    logger: new DefaultLogger('ERROR', () => undefined),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const bundle = readFileSync(WORKFLOW_BUNDLE_PATH, 'utf8');
  for (const outcome of await replayFixtures(fixtures, bundle)) outcomes.set(outcome.fixture.relativePath, outcome);
}, 300_000);

test('the recorded releases hold at least 12 fixtures, and every accepted divergence names one of them', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(12);
  for (const d of ACCEPTED_DIVERGENCES) expect(fixtures.some((f) => accepted(f.relativePath) === d)).toBe(true);
});

test('one protobufjs copy, so historyFromJSON reads the JSON the CLI and the Web UI export', () => {
  // historyFromJSON converts with protobufjs/ext/protojson against @temporalio/proto's root: two copies break it.
  const from = (pkg: string) => createRequire(require.resolve(`${pkg}/package.json`)).resolve('protobufjs/package.json');
  expect(from('@temporalio/common')).toBe(from('@temporalio/proto'));
  const first = fixtures[0];
  const history = historyFromJSON(JSON.parse(readFileSync(first.absolutePath, 'utf8')));
  expect(history.events?.length).toBe(first.events);
});

describe.each(groupByRelease())('release %s', (_release, releaseFixtures) => {
  test.each(releaseFixtures.map((f) => [path.basename(f.relativePath), f.relativePath] as const))(
    '%s replays with the current workflow code',
    (_file, relativePath) => {
      const outcome = outcomes.get(relativePath);
      if (!outcome) throw new Error(`${relativePath} was not replayed`);
      const divergence = accepted(relativePath);
      if (divergence) {
        // Documented in accepted-divergences.ts; it must still diverge, or it belongs back with the others.
        expect(outcome.failure).toMatch(/non-determinism/);
        return;
      }
      if (outcome.failure) {
        const f = outcome.fixture;
        throw new Error(`${relativePath} (${f.workflowType} ${f.workflowId}, path ${f.path}) ${outcome.failure}`);
      }
    },
  );
});

function groupByRelease(): [string, typeof fixtures][] {
  const releases = [...new Set(fixtures.map((f) => f.release))];
  return releases.map((r) => [r, fixtures.filter((f) => f.release === r)]);
}
