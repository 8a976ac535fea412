/**
 * The fast tier needs the toolchain (for the time-skipping test server) and the workflow bundle; the full tier's
 * global setup provides both as well, so the fast tests run unchanged inside `npm test`.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ensureTools } from '../../../tooling/bootstrap-tools';
import { TEST_DATA_DIR, WORKFLOW_BUNDLE_PATH } from '../../support/paths';

export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const tools = ensureTools();
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../../workflows'), logger: quiet });
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  writeFileSync(WORKFLOW_BUNDLE_PATH, bundle.code);
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
