/** The vending workflow's stages, in the order a request moves through them. */
export const ACTIVE_STAGES = [
  'preflight',
  'creating',
  'placing',
  'awaiting-ready',
  'verifying-billing-access',
  /** The blueprint's day-1 steps (access, regions, contacts, budget, default VPCs, guardrails). */
  'baselining',
  'awaiting-decision',
  /** Approved: auditing the root user and allowing password recovery (a window may be open from here on). */
  'opening-root-window',
  'root-window-open',
  'closing-root-window',
] as const;

export const TERMINAL_STAGES = ['completed', 'needs-attention', 'rejected', 'failed', 'cancelled'] as const;

export const VENDING_STAGES = [...ACTIVE_STAGES, ...TERMINAL_STAGES] as const;

export type ActiveStage = (typeof ACTIVE_STAGES)[number];
export type TerminalStage = (typeof TERMINAL_STAGES)[number];
export type VendingStage = (typeof VENDING_STAGES)[number];

export function isTerminalStage(stage: string): stage is TerminalStage {
  return (TERMINAL_STAGES as readonly string[]).includes(stage);
}

// ---- account closure (workflows/close-account.ts) -------------------------------------------------------------

/** The closure workflow's stages, in order; `suspended` lasts the 90-day reopen window. */
export const CLOSURE_ACTIVE_STAGES = ['preflight', 'awaiting-decision', 'quarantine', 'closing', 'suspended'] as const;

/** `closed`: the reopen window has passed. The others end a closure that did not (or not fully) happen. */
export const CLOSURE_TERMINAL_STAGES = ['closed', 'rejected', 'cancelled', 'failed', 'needs-attention'] as const;

export const CLOSURE_STAGES = [...CLOSURE_ACTIVE_STAGES, ...CLOSURE_TERMINAL_STAGES] as const;

export type ClosureStage = (typeof CLOSURE_STAGES)[number];

export function isTerminalClosureStage(stage: string): boolean {
  return (CLOSURE_TERMINAL_STAGES as readonly string[]).includes(stage);
}
