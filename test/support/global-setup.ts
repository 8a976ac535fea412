/**
 * Starts one real Temporal dev server (in-memory) for the whole test run. Each test file brings its own sandbox
 * and worker (see test/support/env.ts), so files stay isolated while sharing the server.
 */
import { ensureTools } from '../../tooling/bootstrap-tools';
import { freePort } from '../../tooling/processes';
import { startTemporalDevServer, type RunningDevServer } from '../../tooling/temporal-dev-server';
import { prepareTestWorkflowBundle } from './workflow-bundle-cache';

declare global {
  var __VEND_TEMPORAL__: RunningDevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Node 20 is what these machines have; the SDK's once-per-process notice about Node 22 is known (see README).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const tools = ensureTools();
  const [port, uiPort] = [await freePort(), await freePort()];
  // Bundle the workflow code once for the whole run (or take it from the cache, rebuilt when any file it was built
  // from changed); each test file's worker loads it.
  const [server] = await Promise.all([startTemporalDevServer({ temporalCli: tools.temporal, port, uiPort }), prepareTestWorkflowBundle()]);
  globalThis.__VEND_TEMPORAL__ = server;
  process.env.VEND_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.VEND_TEST_TEMPORAL_UI = server.uiUrl;
  process.env.VEND_TEST_TEMPORAL_CLI = tools.temporal;
  process.env.VEND_TEST_MOTO_SERVER = tools.motoServer;
  process.env.VEND_TEST_TEMPORAL_TEST_SERVER = tools.temporalTestServer;
}
