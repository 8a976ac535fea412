/**
 * `npm run cluster:toolchain`: builds the native cluster's pinned toolchain (Temporal server, its SQL tool, the Web UI
 * server, Node.js) into .tools/cluster and returns; a no-op once there. CI starts it in the background at the start
 * of its run (downloads and compilation overlap the other checks) and waits for it before `npm run test:cluster`.
 */
import { ensureNode, ensureTemporalBinaries } from './toolchain';

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = Date.now();
  await ensureTemporalBinaries(log);
  await ensureNode(log);
  log(`[toolchain] cluster toolchain ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
