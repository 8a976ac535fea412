/**
 * State changes that AWS makes later on its own (a creation request completing after its IN_PROGRESS time, ...).
 * Each is data in the gateway's state (`SandboxState.scheduledChanges`: kind, due time, payload), so it is saved and
 * restored with everything else; the Scheduler only holds the timers, one per entry, armed again at start with the
 * time left (a change that fell due while the sandbox was stopped runs at once). A change runs as one sandbox
 * operation, after being taken off the list, so no snapshot sees it half done.
 *
 * A new kind of delayed change: register its handler in sandbox/scheduled-changes.ts and call
 * `ctx.scheduler.schedule(kind, dueAt, payload)`; never a bare setTimeout.
 */
import { randomUUID } from 'node:crypto';
import { type SandboxActivity } from './activity';
import { type ScheduledChange, type SandboxState } from './state';

/** Node's timers hold at most 2^31-1 ms; a later change is re-armed when that much has passed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  private readonly handlers = new Map<string, (change: ScheduledChange) => Promise<void>>();

  constructor(
    private readonly state: SandboxState,
    private readonly activity: SandboxActivity,
    private readonly log: (line: string) => void,
  ) {}

  /** Says what a change of this kind does when due. */
  handle(kind: string, handler: (change: ScheduledChange) => Promise<void>): void {
    this.handlers.set(kind, handler);
  }

  /** Records a change due at `dueAt` (epoch ms) and arms its timer. */
  schedule(kind: string, dueAt: number, payload: ScheduledChange['payload']): ScheduledChange {
    if (!this.handlers.has(kind)) throw new Error(`no handler for scheduled changes of kind ${kind}`);
    const change: ScheduledChange = { id: randomUUID(), kind, dueAt, payload };
    this.state.scheduledChanges.push(change);
    this.arm(change);
    return change;
  }

  /** Kinds among the state's changes that have no handler (an incompatible saved state). */
  unknownKinds(): string[] {
    return [...new Set(this.state.scheduledChanges.map((c) => c.kind).filter((kind) => !this.handlers.has(kind)))];
  }

  /** Arms a timer for every change in the state (after a restore). */
  armAll(): void {
    for (const change of this.state.scheduledChanges) this.arm(change);
  }

  /** Cancels every timer; the changes stay in the state (saved, and armed again at the next start). */
  cancelAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(change: ScheduledChange): void {
    const delay = Math.max(0, change.dueAt - Date.now());
    const timer = setTimeout(() => {
      this.timers.delete(change.id);
      if (delay > MAX_TIMER_MS) return this.arm(change);
      void this.run(change.id);
    }, Math.min(delay, MAX_TIMER_MS));
    this.timers.set(change.id, timer);
  }

  private async run(id: string): Promise<void> {
    await this.activity
      .run(async () => {
        // Looked up at run time: a reset (or a control call) may have dropped it meanwhile.
        const index = this.state.scheduledChanges.findIndex((c) => c.id === id);
        if (index < 0) return;
        const [change] = this.state.scheduledChanges.splice(index, 1);
        await this.handlers.get(change.kind)?.(change);
      }, true)
      .catch((err: unknown) => this.log(`[sandbox] scheduled change ${id} failed: ${(err as Error).stack ?? err}`));
  }
}
