/**
 * Bundles the workflow code once, ahead of the worker: the worker then loads the file instead of running webpack in
 * its own process at every start (faster start, and webpack's heap never enters the worker's memory).
 * Usage: tsx tooling/bundle-workflows.ts [out-file]   (default .data/workflow-bundle.js)
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './bootstrap-tools';

export const DEFAULT_BUNDLE_PATH = path.join(PROJECT_ROOT, '.data', 'workflow-bundle.js');

export async function bundleWorkflows(out = DEFAULT_BUNDLE_PATH): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(PROJECT_ROOT, 'workflows'),
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error },
  });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  return out;
}

if (require.main === module) {
  bundleWorkflows(process.argv[2] ? path.resolve(process.argv[2]) : undefined)
    .then((out) => process.stdout.write(`workflow bundle written to ${out}\n`))
    .catch((err: Error) => {
      process.stderr.write(`bundle-workflows: ${err.message}\n`);
      process.exit(1);
    });
}
