/**
 * The fast tier needs the toolchain (for the time-skipping test server) and the workflow bundle; the full tier's
 * global setup provides both as well, so the fast tests run unchanged inside `npm test`. The bundle comes from a
 * cache that is rebuilt when any file it was built from changed (workflow-bundle-cache.ts).
 */
import { ensureTools } from '../../../tooling/bootstrap-tools';
import { prepareTestWorkflowBundle } from '../../support/workflow-bundle-cache';

export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const tools = ensureTools();
  const bundle = await prepareTestWorkflowBundle();
  if (bundle.rebuiltBecause) process.stderr.write(`[bundle] workflow code bundled (${bundle.rebuiltBecause})\n`);
  process.env.VEND_TEST_TEMPORAL_TEST_SERVER = tools.temporalTestServer;
}
