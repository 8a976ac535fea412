/** What every request handler of the gateway shares. */
import { type SandboxActivity } from './activity';
import { type Moto } from './moto';
import { type SeededOrganization } from './seeded-organization';
import { type Scheduler } from './scheduler';
import { type SandboxSettings } from './settings';
import { type SandboxState } from './state';
import { type Throttler } from './throttle';

export type { SeededOrganization } from './seeded-organization';

export interface SandboxContext {
  readonly moto: Moto;
  readonly state: SandboxState;
  readonly throttler: Throttler;
  /** Changes AWS makes later (a creation completing): never a bare setTimeout, so they survive a restart. */
  readonly scheduler: Scheduler;
  /** Runs AWS and control calls as operations a snapshot waits for. */
  readonly activity: SandboxActivity;
  settings(): SandboxSettings;
  organization(): SeededOrganization;
  log(line: string): void;
}

/** AWS time (ms) -> wall-clock ms under the current time scale. */
export function wallMs(ctx: Pick<SandboxContext, 'settings'>, awsMs: number): number {
  return awsMs / ctx.settings().timeScale;
}
