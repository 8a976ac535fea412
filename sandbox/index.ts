/**
 * The local AWS of account vending: moto behind a gateway that adds what moto lacks (CreateAccount's lifecycle and
 * limits, AWS's throttling, faults, centralized root access, Cost Explorer and CloudTrail as the workflow observes
 * them). `startSandbox()` starts both and seeds an organization; AWS SDK clients point `endpoint` at the result.
 */
import { type SandboxContext, type SeededOrganization } from './context';
import { createControlHandler, sandboxStateView } from './control';
import { startGateway } from './gateway';
import { startMoto } from './moto';
import { applySettingsToState, seedOrganization } from './seed';
import { defaultSettings, mergeSettings, type SandboxSettings, type SandboxSettingsPatch } from './settings';
import { SandboxState } from './state';
import { Throttler } from './throttle';

export type { SeededOrganization } from './context';
export { SandboxSettingsSchema, type SandboxSettings, type SandboxSettingsPatch } from './settings';

export interface StartSandboxOptions {
  /** Gateway port; 0 or undefined = a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Path to moto_server. */
  motoServerBin: string;
  /** Merged over the defaults. */
  settings?: SandboxSettingsPatch;
  /** Default true. */
  seed?: boolean;
  log?: (line: string) => void;
}

export interface RunningSandbox {
  /** http://127.0.0.1:PORT: use as `endpoint` for every AWS SDK client. */
  endpoint: string;
  region: string;
  /** The management account's (fake, static) credentials. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The seeded organization (re-seeded by reset, so read it after a reset rather than caching it). */
  organization: SeededOrganization;
  settings(): SandboxSettings;
  updateSettings(patch: SandboxSettingsPatch): void;
  /** moto reset + reseed + gateway state cleared. */
  reset(): Promise<void>;
  /** Stops the gateway and moto; no process is left. */
  stop(): Promise<void>;
}

export const SANDBOX_REGION = 'us-east-1';
/** Not secret: any key not issued by the sandbox's STS is the management account. */
export const SANDBOX_CREDENTIALS = Object.freeze({
  accessKeyId: 'AKIASANDBOXMGMT00001',
  secretAccessKey: 'sandbox-management-secret-not-a-real-key',
});

const UNSEEDED: SeededOrganization = {
  organizationId: '',
  rootId: '',
  managementAccountId: '123456789012', // moto's default account
  organizationalUnits: {},
};

export async function startSandbox(opts: StartSandboxOptions): Promise<RunningSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  let settings = mergeSettings(defaultSettings(), opts.settings ?? {});
  const state = new SandboxState();
  applySettingsToState(state, settings);
  const throttler = new Throttler();
  let organization = UNSEEDED;
  const seed = opts.seed ?? true;

  const moto = await startMoto({ bin: opts.motoServerBin, host, log });
  const ctx: SandboxContext = {
    moto,
    state,
    throttler,
    settings: () => settings,
    organization: () => organization,
    log,
  };

  const updateSettings = (patch: Partial<SandboxSettings> | SandboxSettingsPatch) => {
    settings = mergeSettings(settings, patch);
    applySettingsToState(state, settings, patch);
  };
  const reset = async () => {
    state.clear();
    throttler.reset();
    await moto.reset();
    applySettingsToState(state, settings);
    organization = seed ? await seedOrganization(moto, state, settings) : UNSEEDED;
  };

  let gateway;
  try {
    if (seed) organization = await seedOrganization(moto, state, settings);
    gateway = await startGateway(ctx, createControlHandler(ctx, { updateSettings, reset }), host, opts.port ?? 0);
  } catch (err) {
    await moto.stop();
    throw err;
  }
  const endpoint = `http://${host}:${gateway.port}`;
  log(`[sandbox] gateway ${endpoint} -> moto ${moto.url}`);
  let stopped = false;

  return {
    endpoint,
    region: SANDBOX_REGION,
    credentials: { ...SANDBOX_CREDENTIALS },
    get organization() {
      return organization;
    },
    settings: () => settings,
    updateSettings,
    reset,
    async stop() {
      if (stopped) return;
      stopped = true;
      state.clear();
      await gateway.close();
      await moto.stop();
    },
  };
}

export { sandboxStateView };

/**
 * The worker's AWS settings for this sandbox, as environment (the names worker/config.ts reads): one place for
 * `npm start`, the tests and the benchmarks that run the worker as its own process.
 */
export function sandboxWorkerEnv(sandbox: RunningSandbox): Record<string, string> {
  return {
    VEND_AWS_MODE: 'sandbox',
    VEND_AWS_ENDPOINT: sandbox.endpoint,
    VEND_AWS_REGION: sandbox.region,
    VEND_AWS_ACCESS_KEY_ID: sandbox.credentials.accessKeyId,
    VEND_AWS_SECRET_ACCESS_KEY: sandbox.credentials.secretAccessKey,
    // The worker's org-wide rate limits follow the sandbox's time scale.
    VEND_AWS_QUOTA_SCALE: String(sandbox.settings().timeScale),
  };
}
