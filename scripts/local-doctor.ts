/**
 * `vend doctor` against the local stack's sandbox: npm start describes its sandbox in the data folder
 * (config/local-sandbox.ts), which the doctor reads when its environment names no AWS, and prints the two command
 * lines that check it: the short one for this checkout, and one with the sandbox's settings spelled out that works
 * from any shell (an AWS_PROFILE in it included).
 */
import { DEFAULT_DATA_DIR, removeLocalSandboxFile, writeLocalSandboxFile, type LocalSandboxEnv } from '../config/local-sandbox';

/** The settings the explicit command line sets: where the sandbox is and its (public, fixed) management keys. */
const EXPLICIT_SETTINGS = ['VEND_AWS_ENDPOINT', 'VEND_AWS_REGION', 'VEND_AWS_ACCESS_KEY_ID', 'VEND_AWS_SECRET_ACCESS_KEY'] as const;

/** POSIX shell quoting: plain words as they are, anything else in single quotes. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface LocalDoctor {
  file: string;
  /** Run in this checkout while npm start runs: the doctor finds the sandbox by itself. */
  here: string;
  /** The sandbox's settings on the command line. */
  explicit: string;
  /** Removes the description (at Ctrl-C): the doctor then no longer picks the stopped sandbox. */
  remove(): void;
}

export function publishLocalSandbox(dataDir: string, env: LocalSandboxEnv): LocalDoctor {
  const file = writeLocalSandboxFile(dataDir, { ownerPid: process.pid, env });
  const dataDirSetting = dataDir === DEFAULT_DATA_DIR ? '' : `VEND_DATA_DIR=${shellWord(dataDir)} `;
  return {
    file,
    here: `${dataDirSetting}npx vend doctor`,
    explicit: `${EXPLICIT_SETTINGS.map((name) => `${name}=${shellWord(env[name])}`).join(' ')} npx vend doctor`,
    remove: () => removeLocalSandboxFile(dataDir),
  };
}
