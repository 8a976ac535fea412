/**
 * The native cluster's toolchain, before any test: the Temporal server and Web UI built at their pinned versions,
 * Node.js from the npm registry, PostgreSQL from Debian, moto. Each is a no-op once in place.
 */
import { ensurePostgresBinDir } from '../../cluster/postgres';
import { ensureNode, ensureTemporalBinaries } from '../../cluster/toolchain';
import { ensureTools } from '../../tooling/bootstrap-tools';

export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  ensureTools(log);
  ensurePostgresBinDir(log);
  await ensureNode(log);
  await ensureTemporalBinaries(log);
}
