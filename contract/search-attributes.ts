/**
 * Custom search attributes: they make each request findable by stage, email, account, verdict and requester in the
 * Temporal Web UI and in visibility queries, and they are how the root-window guardian finds windows a run left open
 * and how operators filter requests that raised a safety alarm. Every Temporal server this engine runs on registers
 * these (the dev server's flags, the compose and native cluster setups: all read this list).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const VendingStageKey = defineSearchAttributeKey('VendingStage', SearchAttributeType.KEYWORD);
export const AccountEmailKey = defineSearchAttributeKey('AccountEmail', SearchAttributeType.KEYWORD);
export const AccountIdKey = defineSearchAttributeKey('AccountId', SearchAttributeType.KEYWORD);
export const BillingAccessVerdictKey = defineSearchAttributeKey('BillingAccessVerdict', SearchAttributeType.KEYWORD);
export const RequesterKey = defineSearchAttributeKey('Requester', SearchAttributeType.KEYWORD);
/** The root window's state: opening, open, closing, closed, credentials-remain (absent: no window was opened). */
export const RootWindowKey = defineSearchAttributeKey('RootWindow', SearchAttributeType.KEYWORD);
/** Set when a run or the guardian raised an operator alarm: its kind (see contract/notifications.ts). */
export const SafetyAlarmKey = defineSearchAttributeKey('SafetyAlarm', SearchAttributeType.KEYWORD);
/** An account closure's stage (contract/stages.ts CLOSURE_STAGES); closures also carry AccountId and Requester. */
export const ClosureStageKey = defineSearchAttributeKey('ClosureStage', SearchAttributeType.KEYWORD);

export const ROOT_WINDOW_STATES = ['opening', 'open', 'closing', 'closed', 'credentials-remain'] as const;
export type RootWindowState = (typeof ROOT_WINDOW_STATES)[number];
/** States in which root credentials may exist because of us. */
export const ROOT_WINDOW_MAY_BE_OPEN: readonly RootWindowState[] = ['opening', 'open', 'closing'];

export const SEARCH_ATTRIBUTE_NAMES = [
  VendingStageKey.name,
  AccountEmailKey.name,
  AccountIdKey.name,
  BillingAccessVerdictKey.name,
  RequesterKey.name,
  RootWindowKey.name,
  SafetyAlarmKey.name,
  ClosureStageKey.name,
] as const;
