/**
 * The AWS sandbox `npm start` is running, for the tools on the same machine: npm start writes
 * `<VEND_DATA_DIR>/local-sandbox.json` once its sandbox is up (the AWS settings it gives its worker, and its own pid)
 * and removes it at Ctrl-C. `vend doctor` reads it when its environment names no AWS of its own, so `npx vend doctor`
 * right after `npm start` checks the sandbox's organization. A file left by a killed npm start (its pid gone) is not
 * used.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseConfig } from './parse';

export const LOCAL_SANDBOX_FILE_NAME = 'local-sandbox.json';
/** Where npm start keeps its state when VEND_DATA_DIR is unset: `.data` in the checkout. */
export const DEFAULT_DATA_DIR = path.resolve(__dirname, '..', '.data');

/** The worker's AWS settings for the sandbox (config/aws.ts names): a single endpoint and its static credentials. */
export const LocalSandboxEnvSchema = z
  .object({
    VEND_AWS_MODE: z.literal('sandbox'),
    VEND_AWS_ENDPOINT: z.url({ protocol: /^https?$/ }),
    VEND_AWS_REGION: z.string().min(1),
    // The sandbox's fixed, public management-account keys (sandbox/index.ts), not a secret.
    VEND_AWS_ACCESS_KEY_ID: z.string().min(1),
    VEND_AWS_SECRET_ACCESS_KEY: z.string().min(1),
    VEND_AWS_QUOTA_SCALE: z.string().regex(/^\d+(\.\d+)?$/),
  })
  .strict();
export type LocalSandboxEnv = z.infer<typeof LocalSandboxEnvSchema>;

export const LocalSandboxFileSchema = z
  .object({
    /** The npm start process that runs the sandbox; the file describes nothing once it is gone. */
    ownerPid: z.number().int().positive(),
    env: LocalSandboxEnvSchema,
  })
  .strict();
export type LocalSandboxFile = z.infer<typeof LocalSandboxFileSchema>;

export function localSandboxFilePath(dataDir: string): string {
  return path.join(dataDir, LOCAL_SANDBOX_FILE_NAME);
}

/** The data folder as npm start resolves it: VEND_DATA_DIR, else `.data` in the checkout. */
export function dataDirFromEnv(env: NodeJS.ProcessEnv): string {
  return parseConfig(z.object({ VEND_DATA_DIR: z.string().default(DEFAULT_DATA_DIR) }), env).VEND_DATA_DIR || DEFAULT_DATA_DIR;
}

/** Written to a temporary name and renamed, so a reader never sees half a file. */
export function writeLocalSandboxFile(dataDir: string, content: LocalSandboxFile): string {
  const file = localSandboxFilePath(dataDir);
  const temp = `${file}.${randomUUID()}.tmp`;
  writeFileSync(temp, `${JSON.stringify(LocalSandboxFileSchema.parse(content), null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
  return file;
}

export function removeLocalSandboxFile(dataDir: string): void {
  rmSync(localSandboxFilePath(dataDir), { force: true });
}

export type LocalSandboxLookup =
  | { found: true; file: string; sandbox: LocalSandboxFile }
  /** No file, or one whose npm start is gone: there is no local sandbox (`why` says which, for messages). */
  | { found: false; file: string; why: string };

/** Thrown for a file that exists and cannot be read as a local sandbox's (the message says how to fix it). */
export class LocalSandboxFileError extends Error {
  override name = 'LocalSandboxFileError';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function findLocalSandbox(dataDir: string): LocalSandboxLookup {
  const file = localSandboxFilePath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { found: false, file, why: `no ${file} (npm start is not running)` };
    throw new LocalSandboxFileError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LocalSandboxFileError(`${file} is not JSON: delete it (npm start writes it again)`);
  }
  const parsed = LocalSandboxFileSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
    throw new LocalSandboxFileError(`${file} does not describe a local sandbox (${fields}): delete it (npm start writes it again)`);
  }
  if (!processAlive(parsed.data.ownerPid)) {
    return { found: false, file, why: `${file} is left from an npm start that is gone (pid ${parsed.data.ownerPid})` };
  }
  return { found: true, file, sandbox: parsed.data };
}
