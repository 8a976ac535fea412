/**
 * What the gateway remembers of CloseAccount (sandbox/account-closure.ts): each closed account's record, the rolling
 * quota's log, the refusals and the peak. Plain data, so it is saved and restored with the rest of SandboxState; the
 * change from PENDING_CLOSURE to SUSPENDED is a scheduled change, not a timer held here. Imports nothing of the
 * sandbox, so SandboxState can hold it without a cycle.
 */

export type ClosureState = 'PENDING_CLOSURE' | 'SUSPENDED';

export interface AccountClosureRecord {
  accountId: string;
  /** Epoch ms CloseAccount was accepted. */
  requestedAt: number;
  state: ClosureState;
  /** Epoch ms it became SUSPENDED; CLOSED is computed from it and the reopen window. */
  suspendedAt?: number;
}

export interface AccountClosureRefusals {
  /** CLOSE_ACCOUNT_QUOTA_EXCEEDED answers. */
  quota: number;
  /** CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED answers. */
  requestsLimit: number;
  /** AccountAlreadyClosedException answers. */
  alreadyClosed: number;
}

export interface AccountClosureState {
  /** accountId -> its closure. */
  records: Map<string, AccountClosureRecord>;
  /** When each accepted CloseAccount was received (epoch ms): the rolling quota counts these. */
  accepted: number[];
  refused: AccountClosureRefusals;
  /** The most closures PENDING_CLOSURE at once since the last reset. */
  peakInProgress: number;
}

/** The state of an organization that has closed nothing yet (at start and after a reset). */
export function newAccountClosureState(): AccountClosureState {
  return { records: new Map(), accepted: [], refused: { quota: 0, requestsLimit: 0, alreadyClosed: 0 }, peakInProgress: 0 };
}
