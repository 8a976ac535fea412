/**
 * The sandbox's AWS state kept across restarts, in a data folder (`startSandbox({ dataDir })`).
 *
 * Saving: after an operation that may change state (sandbox/activity.ts), a save follows within `debounceMs`; at stop,
 * a last one. A save is a snapshot of both sides taken between operations (the gateway's state encoded as it is, moto's
 * pickled by sandbox/moto_server.py), then written atomically (sandbox/state-file.ts). A SIGKILL loses at most the
 * changes of the last `debounceMs` (plus a save's own time), never the file.
 *
 * Restoring: the file is read and checked, the gateway's state decoded into a fresh SandboxState and moto's versions
 * compared, all before the gateway listens; a problem stops the start (SandboxStateFileError), so there is never a
 * half-restored sandbox.
 */
import { type SandboxActivity } from './activity';
import { type SeededOrganization } from './context';
import { type Moto } from './moto';
import { type SandboxSettings } from './settings';
import { decodeStateInto, encodeState, IncompatibleStateError } from './state-codec';
import { readStateFile, SandboxStateFileError, writeStateFile, type MotoVersions, type SavedSandbox } from './state-file';
import { SandboxState } from './state';

export const DEFAULT_SAVE_DEBOUNCE_MS = 1000;
/** After a failed save, the next attempt waits this long (a state that cannot be saved should not spin). */
const RETRY_AFTER_FAILURE_MS = 5000;

export interface PersistenceStatus {
  file: string;
  /** The state on disk is from this time (ISO). */
  savedAt?: string;
  /** Changes not yet on disk. */
  pending: boolean;
  saves: number;
  lastSave?: { ms: number; bytes: number };
  lastError?: string;
  /** When this run started from a saved state: when that was saved (ISO), and how long reading, checking and restoring it took. */
  restored?: { savedAt: string; ms: number };
}

export interface SandboxSnapshotSource {
  state: SandboxState;
  settings(): SandboxSettings;
  organization(): SeededOrganization;
}

export class SandboxPersistence {
  private changed = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;
  private stopped = false;
  private savedAt: Date | undefined;
  private saves = 0;
  private lastSave: PersistenceStatus['lastSave'];
  private lastError: string | undefined;
  private retryAfter = 0;

  constructor(
    readonly file: string,
    private readonly source: SandboxSnapshotSource,
    private readonly moto: Moto,
    private readonly motoVersions: MotoVersions,
    private readonly activity: SandboxActivity,
    private readonly log: (line: string) => void,
    private readonly debounceMs = DEFAULT_SAVE_DEBOUNCE_MS,
    private readonly restored?: { savedAt: Date; ms: number },
  ) {
    activity.onChange(() => this.markChanged());
  }

  markChanged(): void {
    this.changed = true;
    if (this.timer || this.stopped) return;
    const wait = Math.max(this.debounceMs, this.retryAfter - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.saveWhileChanged();
    }, wait);
  }

  /** Saves now (after any save under way); resolves when the state is on disk. */
  async saveNow(): Promise<void> {
    this.changed = true;
    await this.saveWhileChanged();
    if (this.lastError && this.changed) throw new Error(this.lastError);
  }

  /** The last save, at stop: after it, changes are no longer saved. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.saveNow().catch(() => undefined); // logged by save()
  }

  status(): PersistenceStatus {
    return {
      file: this.file,
      savedAt: this.savedAt?.toISOString(),
      pending: this.changed,
      saves: this.saves,
      lastSave: this.lastSave,
      lastError: this.lastError,
      restored: this.restored && { savedAt: this.restored.savedAt.toISOString(), ms: this.restored.ms },
    };
  }

  private async saveWhileChanged(): Promise<void> {
    while (this.saving) await this.saving;
    if (!this.changed) return;
    this.saving = this.save();
    try {
      await this.saving;
    } finally {
      this.saving = undefined;
    }
    if (this.changed && !this.timer && !this.stopped) this.markChanged();
  }

  private async save(): Promise<void> {
    const started = performance.now();
    this.changed = false;
    try {
      const snapshot = await this.activity.exclusive(async () => ({
        savedAt: new Date(),
        motoVersions: this.motoVersions,
        settings: this.source.settings(),
        organization: this.source.organization(),
        gateway: encodeState(this.source.state),
        moto: await this.moto.snapshot(),
      }));
      const bytes = await writeStateFile(this.file, snapshot);
      this.savedAt = snapshot.savedAt;
      this.saves++;
      this.lastSave = { ms: Math.round(performance.now() - started), bytes };
      this.lastError = undefined;
      this.retryAfter = 0;
    } catch (err) {
      this.changed = true;
      this.retryAfter = Date.now() + RETRY_AFTER_FAILURE_MS;
      const message = `saving the AWS state to ${this.file} failed: ${(err as Error).message}`;
      if (message !== this.lastError) {
        const kept = this.savedAt ? `the file keeps the state saved at ${this.savedAt.toISOString()}` : 'nothing was saved yet';
        this.log(`[sandbox] ${message} (${kept}; retrying every ${RETRY_AFTER_FAILURE_MS / 1000} s while state changes)`);
      }
      this.lastError = message;
    }
  }
}

export interface LoadedState {
  saved: SavedSandbox;
  state: SandboxState;
  /** Fields the saved state lacked (they start empty). */
  missing: string[];
}

/** Reads and checks the saved state; undefined when there is none. Throws SandboxStateFileError. */
export async function loadSavedState(file: string): Promise<LoadedState | undefined> {
  const saved = await readStateFile(file);
  if (!saved) return undefined;
  const state = new SandboxState();
  try {
    const { missing } = decodeStateInto(saved.gateway, state);
    return { saved, state, missing };
  } catch (err) {
    if (err instanceof IncompatibleStateError) throw new SandboxStateFileError(file, `the gateway's state does not fit this sandbox: ${err.message}`);
    throw err;
  }
}

/** Gives a running (fresh) moto the saved snapshot. Throws SandboxStateFileError when it cannot. */
export async function restoreMoto(file: string, moto: Moto, saved: SavedSandbox): Promise<MotoVersions> {
  const running = await moto.versions();
  const was = saved.motoVersions;
  if (was.moto !== running.moto || was.python !== running.python || was.format !== running.format) {
    throw new SandboxStateFileError(
      file,
      `it holds the state of moto ${was.moto} on Python ${was.python} (snapshot format ${was.format}); this sandbox runs moto ` +
        `${running.moto} on Python ${running.python} (format ${running.format}), which cannot read it`,
    );
  }
  try {
    await moto.restore(saved.moto);
  } catch (err) {
    throw new SandboxStateFileError(file, `moto could not load its snapshot: ${(err as Error).message}`);
  }
  return running;
}

/** One line on what came back and what did not. */
export function describeRestore(loaded: LoadedState, organization: SeededOrganization, restoreMs?: number): string {
  const { state, saved, missing } = loaded;
  const now = Date.now();
  const inProgress = state.createRequests.filter((r) => r.state === 'IN_PROGRESS').length;
  const due = state.scheduledChanges.map((c) => Math.max(0, c.dueAt - now));
  const withRootCredentials = [...state.rootCredentials.values()].filter(
    (c) => c.loginProfile || c.mfaDevices.length || c.accessKeys.length || c.signingCertificates.length,
  ).length;
  const ago = Math.max(0, Math.round((now - saved.savedAt.getTime()) / 1000));
  return [
    `restored the AWS state saved ${ago} s ago (${saved.savedAt.toISOString()})${restoreMs === undefined ? '' : ` in ${restoreMs} ms`}:`,
    `organization ${organization.organizationId},`,
    `${state.accounts.size} member accounts,`,
    `${state.createRequests.length} creation requests (${inProgress} in progress),`,
    `${due.length} scheduled changes${due.length ? ` (next in ${Math.round(Math.min(...due))} ms)` : ''},`,
    `${withRootCredentials} accounts holding root credentials,`,
    `${state.cloudTrail.length} CloudTrail events;`,
    'not kept: the throttling buckets (they start full)',
    ...(missing.length ? [`; not in the saved state, so starting empty: ${missing.join(', ')}`] : []),
  ].join(' ');
}
