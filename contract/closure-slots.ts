/**
 * The organization's account-closure slots. AWS lets an organization close a limited number of member accounts in a
 * rolling 30 days (10% of its member accounts, at least 10 and at most 1,000, per the current API reference; older
 * texts say otherwise, so every number is configurable), only a few at a time, and CloseAccount at 0.05/s. One
 * coordinator workflow per task queue keeps the rolling log of closures and hands the slots out in request order, so
 * closures wait in line instead of spending AWS's refusals; a waiting closure is told when its turn is expected.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const CLOSURE_SLOTS_WORKFLOW_TYPE = 'coordinateClosureSlots';

export function closureSlotsWorkflowId(taskQueue: string): string {
  return `${taskQueue}.closure-slots`;
}

/** Every duration and rate is AWS's, times the sandbox's time scale (1 against AWS). */
export interface ClosureSlotsConfig {
  /** The quota: this share of the organization's member accounts ... */
  quotaPercent: number;
  /** ... but at least this many ... */
  quotaMin: number;
  /** ... and at most this many, per window. */
  quotaMax: number;
  /** The quota's rolling window (AWS: 30 days). */
  windowMs: number;
  /** Closures in progress (CloseAccount sent, not yet SUSPENDED) at once. */
  maxInProgress: number;
  /** CloseAccount's pace (AWS: 0.05/s, burst 1). */
  closesPerSecond: number;
  burst: number;
  /** A holder that neither releases nor exists after this long loses its slot (a terminated closure). */
  leaseMs: number;
  /** After AWS refused for its quota (closures made outside this engine count too): no grant for this long. */
  quotaRefusalBackoffMs: number;
  /** After AWS refused for too many closures at once: no grant for this long. */
  limitRefusalBackoffMs: number;
  /** How long a closure typically stays PENDING_CLOSURE, for the expected turns until holders have been measured. */
  typicalClosureMs: number;
  /** The coordinator ends after this long with nobody waiting or holding and no closure left in the window. */
  idleMs: number;
}

/** The quota for an organization with this many member accounts (the management account is not one). */
export function closureQuota(memberAccounts: number, config: Pick<ClosureSlotsConfig, 'quotaPercent' | 'quotaMin' | 'quotaMax'>): number {
  return Math.min(config.quotaMax, Math.max(config.quotaMin, Math.floor((memberAccounts * config.quotaPercent) / 100)));
}

export interface ClosureSlotsState {
  config: ClosureSlotsConfig;
  /** Member accounts as the last asker counted them. */
  memberAccounts: number;
  waiting: string[];
  /** closure id -> when its slot was granted (workflow time, ms). */
  holders: Record<string, number>;
  /** Grants that count against the quota (CloseAccount sent or about to be), oldest first. */
  used: { id: string; at: number }[];
  tokens: number;
  refilledAt: number;
  /** No grant before this time: AWS refused (quota or requests limit). */
  blockedUntil?: number;
  blockedBecause?: 'aws-quota-refusal' | 'aws-limit-refusal';
  /** How long recent holders held their slot, ms (the last 20). */
  recentHoldMs: number[];
  /** Holders that asked again (their grant was lost): granted again on the next round. */
  regrant: string[];
}

export interface ClosureSlotRequest {
  /** The closure workflow's id: the slot is granted to it by signal. */
  requestId: string;
  /** The organization's member accounts now (the quota follows the organization's size). */
  memberAccounts: number;
  /** The asking worker's configuration; the latest one wins. */
  config: ClosureSlotsConfig;
}

/**
 * How a holder gives its slot back. `closed`: CloseAccount was accepted (the closure counts against the quota).
 * `not-sent`: no CloseAccount was sent (cancelled, failed first). `refused-quota` / `refused-limit`: AWS refused; the
 * closure goes back to the head of the line.
 */
export type ClosureSlotOutcome = 'closed' | 'not-sent' | 'refused-quota' | 'refused-limit';

export interface ClosureSlotRelease {
  requestId: string;
  outcome: ClosureSlotOutcome;
}

export type WaitingFor = 'quota' | 'in-progress-limit' | 'close-rate' | 'aws-refusal';

export interface ExpectedTurn {
  requestId: string;
  /** 0 = next in line. */
  position: number;
  /** When the slot is expected (workflow time, ISO 8601); absent when it lies beyond what the window shows. */
  expectedAt?: string;
  waitingFor: WaitingFor;
}

export interface ClosureSlotsView {
  quota: number;
  memberAccounts: number;
  /** Closures that count against the quota in the current window. */
  usedInWindow: number;
  windowMs: number;
  maxInProgress: number;
  inProgress: string[];
  waiting: ExpectedTurn[];
  blockedUntil?: string;
}

/**
 * When each waiting closure's turn is expected: the latest of what holds it back. Within the quota's room: CloseAccount's
 * pace and the in-progress limit (holders free their slots after about the typical closure time). Beyond it: the
 * k-th waiter past the room gets the slot that the k-th oldest closure in the window frees when it rolls out of it.
 */
export function expectedTurns(state: ClosureSlotsState, now: number): ClosureSlotsView {
  const { config } = state;
  const expiries = state.used.filter((u) => u.at > now - config.windowMs).map((u) => u.at + config.windowMs).sort((a, b) => a - b);
  const quota = closureQuota(state.memberAccounts, config);
  const room = quota - expiries.length;
  const blockedMs = Math.max(0, (state.blockedUntil ?? now) - now);
  const holders = Object.keys(state.holders).length;
  const typicalHold = state.recentHoldMs.length > 0 ? state.recentHoldMs.reduce((a, b) => a + b, 0) / state.recentHoldMs.length : config.typicalClosureMs;
  const waiting = state.waiting.map((requestId, position): ExpectedTurn => {
    const quotaAt = position < room ? now : expiries[position - room];
    if (quotaAt === undefined) return { requestId, position, waitingFor: 'quota' };
    const rateMs = (Math.max(0, position + 1 - state.tokens) / config.closesPerSecond) * 1000;
    const ahead = position + holders - config.maxInProgress + 1;
    const inProgressMs = ahead > 0 ? Math.ceil(ahead / config.maxInProgress) * typicalHold : 0;
    const pacedAt = now + blockedMs + Math.max(rateMs, inProgressMs);
    // Named after what holds it back most: the quota's window, AWS's refusal, CloseAccount's rate, or closures in progress.
    const waitingFor: WaitingFor =
      quotaAt > now && quotaAt >= pacedAt ? 'quota' : blockedMs >= Math.max(rateMs, inProgressMs) && blockedMs > 0 ? 'aws-refusal' : rateMs >= inProgressMs ? 'close-rate' : 'in-progress-limit';
    return { requestId, position, expectedAt: new Date(Math.ceil(Math.max(quotaAt, pacedAt))).toISOString(), waitingFor };
  });
  return {
    quota,
    memberAccounts: state.memberAccounts,
    usedInWindow: expiries.length,
    windowMs: config.windowMs,
    maxInProgress: config.maxInProgress,
    inProgress: Object.keys(state.holders),
    waiting,
    ...(state.blockedUntil !== undefined && state.blockedUntil > now ? { blockedUntil: new Date(state.blockedUntil).toISOString() } : {}),
  };
}

export const acquireClosureSlotSignal = defineSignal<[ClosureSlotRequest]>('acquireClosureSlot');
export const releaseClosureSlotSignal = defineSignal<[ClosureSlotRelease]>('releaseClosureSlot');
/** Sent by the coordinator to the closure workflow that may now send CloseAccount. */
export const closureSlotGrantedSignal = defineSignal<[]>('closureSlotGranted');
export const closureSlotsQuery = defineQuery<ClosureSlotsView>('closureSlots');
