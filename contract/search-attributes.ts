/**
 * Custom search attributes of the vending workflow, all Keyword: they make each request findable by stage, email,
 * account, verdict and requester in the Temporal Web UI and in visibility queries.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const VendingStageKey = defineSearchAttributeKey('VendingStage', SearchAttributeType.KEYWORD);
export const AccountEmailKey = defineSearchAttributeKey('AccountEmail', SearchAttributeType.KEYWORD);
export const AccountIdKey = defineSearchAttributeKey('AccountId', SearchAttributeType.KEYWORD);
export const BillingAccessVerdictKey = defineSearchAttributeKey('BillingAccessVerdict', SearchAttributeType.KEYWORD);
export const RequesterKey = defineSearchAttributeKey('Requester', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_NAMES = [
  VendingStageKey.name,
  AccountEmailKey.name,
  AccountIdKey.name,
  BillingAccessVerdictKey.name,
  RequesterKey.name,
] as const;
