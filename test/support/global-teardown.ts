import { killAllManagedSync } from '../../tooling/processes';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__VEND_TEMPORAL__?.process.stop();
  globalThis.__VEND_TEMPORAL__ = undefined;
  killAllManagedSync();
}
