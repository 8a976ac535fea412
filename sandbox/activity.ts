/**
 * The sandbox's operations (an AWS call's handling, a control call, a scheduled change) and the points between them.
 * Operations run concurrently; `exclusive()` waits until none is running and holds new ones back meanwhile, so a
 * snapshot of the gateway's state and moto's is taken between operations, never in the middle of one that has
 * written one side and not yet the other (a completed creation: moto's account, then the gateway's record).
 * Operations that may change state say so, and listeners hear of it when the operation ends.
 */

export class SandboxActivity {
  private running = 0;
  private held: Promise<void> | undefined;
  private idle: (() => void) | undefined;
  private readonly listeners: Array<() => void> = [];

  /** Runs one operation; `changes` = it may change the gateway's or moto's state. */
  async run<T>(operation: () => Promise<T> | T, changes: boolean): Promise<T> {
    while (this.held) await this.held;
    this.running++;
    try {
      return await operation();
    } finally {
      this.running--;
      if (this.running === 0) this.idle?.();
      if (changes) for (const listener of this.listeners) listener();
    }
  }

  /** Runs `work` while no operation runs (and none starts). */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    try {
      while (this.running > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      this.idle = undefined;
      return await work();
    } finally {
      this.held = undefined;
      release();
    }
  }

  /** Called after every operation that may have changed state. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
}
