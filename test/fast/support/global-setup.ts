/**
 * The fast tier needs the toolchain (for the time-skipping test server) and the workflow bundle; the full tier's
 * global setup provides both as well, so the fast tests run unchanged inside `npm test`. The bundle comes from a
 * cache that is rebuilt when any file it was built from changed (workflow-bundle-cache.ts).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureTools } from '../../../tooling/bootstrap-tools';
import { TEST_DATA_DIR, WORKFLOW_BUNDLE_PATH } from '../../support/paths';
import { cachedWorkflowBundle } from '../../support/workflow-bundle-cache';

export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const tools = ensureTools();
  const bundle = await cachedWorkflowBundle({
    workflowsPath: require.resolve('../../../workflows'),
    cacheDir: path.join(TEST_DATA_DIR, 'workflow-bundle-cache'),
    lockfilePath: path.resolve(__dirname, '../../../package-lock.json'),
    logger: quiet,
  });
  if (bundle.rebuiltBecause) process.stderr.write(`[bundle] workflow code bundled (${bundle.rebuiltBecause})\n`);
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  // By rename: a test file of another run reading it meanwhile never sees half a bundle.
  const tmp = `${WORKFLOW_BUNDLE_PATH}.${process.pid}.tmp`;
  writeFileSync(tmp, bundle.code);
  renameSync(tmp, WORKFLOW_BUNDLE_PATH);
  process.env.VEND_TEST_TEMPORAL_TEST_SERVER = tools.temporalTestServer;
}

const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
};
