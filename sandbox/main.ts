/**
 * `npm run sandbox`: the sandbox as a standalone process.
 *
 * Configuration (all optional), validated before anything starts; a bad value exits 1 with the reason:
 *   SANDBOX_PORT (4566), SANDBOX_HOST (127.0.0.1), SANDBOX_SETTINGS_FILE (JSON with any SandboxSettings fields),
 *   SANDBOX_TIME_SCALE, SANDBOX_CREATE_ACCOUNT_DURATION_MS, SANDBOX_ACCOUNT_READY_DELAY_MS, SANDBOX_THROTTLING,
 *   SANDBOX_LINKED_ACCOUNT_ACCESS, SANDBOX_ROOT_ACCESS_FEATURES, SANDBOX_MAX_ACCOUNTS,
 *   SANDBOX_DATA_DIR (keep the AWS state in this folder across restarts; unset: in memory only).
 * Precedence: defaults (or the saved settings, with a data folder) < settings file < environment variables.
 * A saved state that cannot be restored exits 1 with the file and how to discard it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ensureTools } from '../tooling/bootstrap-tools';
import { SandboxStateFileError, startSandbox, type RunningSandbox } from './index';
import { SandboxSettingsPatchSchema, describeZodError, type SandboxSettingsPatch } from './settings';

const boolFromEnv = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const EnvSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4566),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_SETTINGS_FILE: z.string().min(1).optional(),
  SANDBOX_TIME_SCALE: z.coerce.number().positive().optional(),
  SANDBOX_CREATE_ACCOUNT_DURATION_MS: z.coerce.number().min(0).optional(),
  SANDBOX_ACCOUNT_READY_DELAY_MS: z.coerce.number().min(0).optional(),
  SANDBOX_THROTTLING: boolFromEnv.optional(),
  SANDBOX_LINKED_ACCOUNT_ACCESS: boolFromEnv.optional(),
  SANDBOX_ROOT_ACCESS_FEATURES: boolFromEnv.optional(),
  SANDBOX_MAX_ACCOUNTS: z.coerce.number().int().positive().optional(),
  SANDBOX_DATA_DIR: z.string().min(1).optional(),
});

export interface SandboxCliConfig {
  port: number;
  host: string;
  /** Only what the file and the environment name: the rest are the defaults, or the saved settings. */
  settings: SandboxSettingsPatch;
  dataDir?: string;
}

/** Reads and validates the configuration; throws an Error whose message says what is wrong. */
export function loadSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxCliConfig {
  const parsedEnv = EnvSchema.safeParse(env);
  if (!parsedEnv.success) throw new Error(`invalid sandbox environment: ${describeZodError(parsedEnv.error)}`);
  const e = parsedEnv.data;
  let fromFile: Record<string, unknown> = {};
  if (e.SANDBOX_SETTINGS_FILE) {
    try {
      fromFile = JSON.parse(readFileSync(e.SANDBOX_SETTINGS_FILE, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`cannot read SANDBOX_SETTINGS_FILE ${e.SANDBOX_SETTINGS_FILE}: ${(err as Error).message}`, { cause: err });
    }
  }
  const fromEnv = Object.fromEntries(
    Object.entries({
      timeScale: e.SANDBOX_TIME_SCALE,
      createAccountDurationMs: e.SANDBOX_CREATE_ACCOUNT_DURATION_MS,
      accountReadyDelayMs: e.SANDBOX_ACCOUNT_READY_DELAY_MS,
      throttling: e.SANDBOX_THROTTLING,
      linkedAccountAccess: e.SANDBOX_LINKED_ACCOUNT_ACCESS,
      rootAccessFeatures: e.SANDBOX_ROOT_ACCESS_FEATURES,
      maxAccounts: e.SANDBOX_MAX_ACCOUNTS,
    }).filter(([, v]) => v !== undefined),
  );
  const settings = SandboxSettingsPatchSchema.safeParse({ ...fromFile, ...fromEnv });
  if (!settings.success) throw new Error(`invalid sandbox settings: ${describeZodError(settings.error)}`);
  return { port: e.SANDBOX_PORT, host: e.SANDBOX_HOST, settings: settings.data, dataDir: e.SANDBOX_DATA_DIR };
}

async function main(): Promise<void> {
  let config: SandboxCliConfig;
  try {
    config = loadSandboxConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  const tools = ensureTools();
  let sandbox: RunningSandbox;
  try {
    sandbox = await startSandbox({
      port: config.port,
      host: config.host,
      motoServerBin: tools.motoServer,
      settings: config.settings,
      dataDir: config.dataDir,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (err) {
    if (!(err instanceof SandboxStateFileError)) throw err;
    process.stderr.write(`[sandbox] ${err.message}\n`);
    process.exit(1);
  }
  const org = sandbox.organization;
  process.stdout.write(
    [
      `sandbox (local AWS) listening on ${sandbox.endpoint}  region ${sandbox.region}`,
      `  AWS_ENDPOINT_URL=${sandbox.endpoint}`,
      `  AWS_ACCESS_KEY_ID=${sandbox.credentials.accessKeyId}`,
      `  AWS_SECRET_ACCESS_KEY=${sandbox.credentials.secretAccessKey}   (fake, static: the management account)`,
      `  organization ${org.organizationId}  root ${org.rootId}  management account ${org.managementAccountId}`,
      ...Object.entries(org.organizationalUnits).map(([name, id]) => `  OU ${name}: ${id}`),
      `  control API: ${sandbox.endpoint}/sandbox/state  (settings: ${JSON.stringify(sandbox.settings())})`,
      `  AWS state: ${sandbox.persistence ? `kept in ${sandbox.persistence.file}` : 'in memory only (SANDBOX_DATA_DIR keeps it)'}`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[sandbox] ${signal}: stopping\n`);
    void sandbox.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`[sandbox] stop failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`[sandbox] failed to start: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
