/**
 * The local AWS of account vending: moto behind a gateway that adds what moto lacks (CreateAccount's lifecycle and
 * limits, AWS's throttling, faults, centralized root access, Cost Explorer and CloudTrail as the workflow observes
 * them). `startSandbox()` starts both and seeds an organization; AWS SDK clients point `endpoint` at the result.
 */
import { mkdir } from 'node:fs/promises';
import { SandboxActivity } from './activity';
import { type SandboxContext, type SeededOrganization } from './context';
import { createControlHandler, isPersistenceRoute, sandboxStateView } from './control';
import { startGateway, type ControlHandler, type Gateway } from './gateway';
import { startMoto } from './moto';
import { describeRestore, loadSavedState, restoreMoto, SandboxPersistence, type LoadedState, type PersistenceStatus } from './persistence';
import { registerScheduledChanges } from './scheduled-changes';
import { Scheduler } from './scheduler';
import { applySettingsToState, seedOrganization } from './seed';
import { defaultSettings, mergeSettings, type SandboxSettings, type SandboxSettingsPatch } from './settings';
import { SandboxState } from './state';
import { removeTempFiles, SandboxStateFileError, stateFilePath } from './state-file';
import { Throttler } from './throttle';

export type { SeededOrganization } from './context';
export { SandboxSettingsSchema, type SandboxSettings, type SandboxSettingsPatch } from './settings';
export { SandboxStateFileError } from './state-file';
export type { PersistenceStatus } from './persistence';

export interface StartSandboxOptions {
  /** Gateway port; 0 or undefined = a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Path to moto_server. */
  motoServerBin: string;
  /** Merged over the defaults, or over the restored settings when there is a saved state. */
  settings?: SandboxSettingsPatch;
  /** Default true. */
  seed?: boolean;
  log?: (line: string) => void;
  /**
   * Keep the AWS state (the gateway's and moto's) in this folder across restarts: restored at start when one was
   * saved, saved after changes and at stop. Unset: in memory only. A saved state that cannot be restored stops the
   * start with a SandboxStateFileError.
   */
  dataDir?: string;
  /** With `dataDir`: how soon after a change it is saved (default 1000 ms). */
  saveDebounceMs?: number;
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
  /** Stops the gateway and moto (saving the state last, with a data folder); no process is left. */
  stop(): Promise<void>;
  /** With a data folder: where the state is kept, how saving goes, and a save on demand. */
  persistence?: { file: string; status(): PersistenceStatus; saveNow(): Promise<void> };
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
  const file = opts.dataDir === undefined ? undefined : stateFilePath(opts.dataDir);
  let loaded: LoadedState | undefined;
  const restoreStarted = performance.now();
  if (opts.dataDir !== undefined && file !== undefined) {
    await mkdir(opts.dataDir, { recursive: true });
    const leftovers = await removeTempFiles(opts.dataDir);
    if (leftovers.length) log(`[sandbox] removed ${leftovers.length} unfinished save(s) of a killed run: ${leftovers.join(', ')}`);
    // Read and checked before anything starts: a state that cannot be restored stops the start here.
    loaded = await loadSavedState(file);
  }
  let settings = mergeSettings(loaded?.saved.settings ?? defaultSettings(), opts.settings ?? {});
  const state = loaded?.state ?? new SandboxState();
  // A restored state keeps its switches; settings given now change what they name, as POST /sandbox/settings does.
  applySettingsToState(state, settings, loaded ? (opts.settings ?? {}) : settings);
  if (loaded && opts.settings && Object.keys(opts.settings).length) {
    log(`[sandbox] settings given at start replace the saved ones for: ${Object.keys(opts.settings).join(', ')}`);
  }
  const throttler = new Throttler();
  let organization = loaded?.saved.organization ?? UNSEEDED;
  const seed = opts.seed ?? true;
  const activity = new SandboxActivity();
  const scheduler = new Scheduler(state, activity, log);

  const readMs = performance.now() - restoreStarted;
  const moto = await startMoto({ bin: opts.motoServerBin, host, log });
  const ctx: SandboxContext = {
    moto,
    state,
    throttler,
    scheduler,
    activity,
    settings: () => settings,
    organization: () => organization,
    log,
  };
  registerScheduledChanges(ctx);

  let persistence: SandboxPersistence | undefined;
  const updateSettings = (patch: Partial<SandboxSettings> | SandboxSettingsPatch) => {
    settings = mergeSettings(settings, patch);
    applySettingsToState(state, settings, patch);
    persistence?.markChanged();
  };
  // Not an operation itself: the control API runs it inside one, RunningSandbox.reset() wraps it.
  const reset = async () => {
    scheduler.cancelAll();
    state.clear();
    throttler.reset();
    await moto.reset();
    applySettingsToState(state, settings);
    organization = seed ? await seedOrganization(moto, state, settings) : UNSEEDED;
  };
  const control = createControlHandler(ctx, {
    updateSettings,
    reset,
    persistence: () => persistence?.status(),
    saveNow: async () => {
      if (!persistence) return undefined;
      await persistence.saveNow();
      return persistence.status();
    },
  });
  // Saving waits for operations to end, so the persistence routes (a save on demand) are not operations themselves.
  const gatedControl: ControlHandler = (method, url, body) =>
    isPersistenceRoute(url) ? control(method, url, body) : activity.run(() => control(method, url, body), method !== 'GET');

  let gateway: Gateway | undefined;
  try {
    if (file) {
      const motoRestoreStarted = performance.now();
      const motoVersions = loaded ? await restoreMoto(file, moto, loaded.saved) : await moto.versions();
      const restored = loaded && { savedAt: loaded.saved.savedAt, ms: Math.round(readMs + performance.now() - motoRestoreStarted) };
      const unknown = scheduler.unknownKinds();
      if (unknown.length) throw new SandboxStateFileError(file, `it holds scheduled changes this sandbox does not know: ${unknown.join(', ')}`);
      persistence = new SandboxPersistence(file, { state, settings: () => settings, organization: () => organization }, moto, motoVersions, activity, log, opts.saveDebounceMs, restored);
    }
    if (!loaded && seed) organization = await seedOrganization(moto, state, settings);
    // The seeded organization's ids are on disk before any client sees them (and a folder we cannot write to stops
    // the start here, not at the first change).
    if (persistence && (!loaded || opts.settings)) await persistence.saveNow();
    gateway = await startGateway(ctx, gatedControl, host, opts.port ?? 0);
    if (loaded) {
      scheduler.armAll();
      log(`[sandbox] ${describeRestore(loaded, organization, persistence?.status().restored?.ms)}`);
    }
  } catch (err) {
    scheduler.cancelAll();
    await gateway?.close();
    await moto.stop();
    throw err;
  }
  const endpoint = `http://${host}:${gateway.port}`;
  log(`[sandbox] gateway ${endpoint} -> moto ${moto.url}${file ? `, AWS state kept in ${file}` : ''}`);
  let stopped = false;
  const running = gateway;
  const saver = persistence;

  return {
    endpoint,
    region: SANDBOX_REGION,
    credentials: { ...SANDBOX_CREDENTIALS },
    get organization() {
      return organization;
    },
    settings: () => settings,
    updateSettings,
    reset: () => activity.run(reset, true),
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.close();
      scheduler.cancelAll();
      // Waits for the operations still running, then saves: the scheduled changes are kept for the next start.
      await saver?.close();
      state.clear();
      await moto.stop();
    },
    persistence: saver && { file: saver.file, status: () => saver.status(), saveNow: () => saver.saveNow() },
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
