/**
 * Another build of the workflow code, for tests that deploy one build after another (a deliberate bug, then its fix;
 * build A, then build B with a patched change): the real workflow sources with exact text replaced in one file while
 * webpack bundles them (test/support/replace-loader.js).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import path from 'node:path';

export interface SourceEdit {
  /** Path of the workflow source file, relative to the repository, e.g. workflows/vending.ts. */
  file: string;
  replacements: { from: string; to: string }[];
}

export async function bundleVariant(edits: SourceEdit[]): Promise<string> {
  const root = path.resolve(__dirname, '..', '..');
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(root, 'workflows'),
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => process.stderr.write(`${m}\n`) },
    webpackConfigHook: (config) => {
      config.module ??= {};
      config.module.rules ??= [];
      for (const edit of edits) {
        config.module.rules.push({
          test: path.join(root, edit.file),
          enforce: 'pre',
          use: [{ loader: path.join(__dirname, 'replace-loader.js'), options: { replacements: edit.replacements } }],
        });
      }
      return config;
    },
  });
  return code;
}
