/** The README.md of a release's fixture folder: which commit made these histories and how each run ended. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type ReleaseManifest } from './fixtures';

export function writeReleaseReadme(folder: string, manifest: ReleaseManifest): void {
  const rows = manifest.fixtures.map(
    (f) => `| \`${f.file}\` | ${f.workflowType} | ${f.status} | ${f.events} | ${f.outcome.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
  );
  const skipped = manifest.skipped.map((s) => `- \`${s.path}\`: ${s.reason}`);
  const text = [
    `# Recorded histories: release ${manifest.release}`,
    '',
    `Workflow code and worker of commit \`${manifest.commit}\`: ${manifest.subject}`,
    '',
    `Recorded ${manifest.recordedAt} by \`scripts/record-histories.ts\` (recorder at \`${manifest.recorder.commit.slice(0, 12)}\`), ` +
      `against a Temporal dev server (${manifest.recorder.temporalCli}; continue-as-new suggested after ` +
      `${manifest.recorder.suggestContinueAsNewAfterEvents} events) and the sandbox at time scale ${manifest.recorder.sandboxTimeScale}. ` +
      "The release's own worker process ran the workflows and activities; the recorder started and steered the requests as the " +
      "release's client did. `test/replay/replay.test.ts` replays every file here with the current workflow code; " +
      '`manifest.json` holds the workflow id each file is replayed under.',
    '',
    '| fixture | workflow | status | events | outcome |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...(skipped.length ? ['Paths this release does not have:', '', ...skipped, ''] : []),
  ].join('\n');
  writeFileSync(path.join(folder, 'README.md'), text);
}
