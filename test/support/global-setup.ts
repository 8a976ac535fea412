/**
 * Starts one real Temporal dev server (in-memory) for the whole test run. Each test file brings its own sandbox
 * and worker (see test/support/env.ts), so files stay isolated while sharing the server.
 */
import { ensureTools } from '../../scripts/bootstrap-tools';
import { freePort } from '../../scripts/processes';
import { startTemporalDevServer, type RunningDevServer } from '../../scripts/temporal-dev-server';

declare global {
  var __VEND_TEMPORAL__: RunningDevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const tools = ensureTools();
  const [port, uiPort] = [await freePort(), await freePort()];
  const server = await startTemporalDevServer({ temporalCli: tools.temporal, port, uiPort });
  globalThis.__VEND_TEMPORAL__ = server;
  process.env.VEND_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.VEND_TEST_TEMPORAL_UI = server.uiUrl;
  process.env.VEND_TEST_TEMPORAL_CLI = tools.temporal;
  process.env.VEND_TEST_MOTO_SERVER = tools.motoServer;
  process.env.VEND_TEST_TEMPORAL_TEST_SERVER = tools.temporalTestServer;
}
