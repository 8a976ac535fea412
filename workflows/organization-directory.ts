/**
 * The organization directory: lists the organization's OUs every few minutes (or when signalled) and publishes the
 * list in this workflow's memo, where the API reads it to refuse an unknown OU before anything starts. A listing
 * that fails keeps the last good list published; the history is kept short by continuing as new, the memo handed
 * over.
 */
import { NonRetryable } from '../contract/failures';
import { condition, log, makeContinueAsNewFunc, proxyActivities, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import {
  ORGANIZATION_DIRECTORY_MEMO_KEY,
  refreshOrganizationDirectorySignal,
  type OrganizationDirectory,
  type OrganizationDirectoryConfig,
} from '../contract/organization-directory';
import type { VendingActivities } from '../activities/types';

const { listOrganizationalUnits } = proxyActivities<Pick<VendingActivities, 'listOrganizationalUnits'>>({
  startToCloseTimeout: '2 minutes',
  // A few quick retries (throttling); a listing still failing waits for the next interval instead.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: [NonRetryable.AccessDenied, NonRetryable.PreflightFailed] },
  summary: 'ListRoots + ListOrganizationalUnitsForParent',
});

export async function organizationDirectory(config: OrganizationDirectoryConfig): Promise<void> {
  let refreshRequested = false;
  setHandler(refreshOrganizationDirectorySignal, () => {
    refreshRequested = true;
  });

  for (let listing = 0; listing < config.listingsPerRun; listing++) {
    refreshRequested = false;
    try {
      const listed = await listOrganizationalUnits();
      const directory: OrganizationDirectory = { ...listed, listedAt: new Date().toISOString() };
      upsertMemo({ [ORGANIZATION_DIRECTORY_MEMO_KEY]: directory });
    } catch (err) {
      log.warn('listing the organization\'s OUs failed; the last list stays published', { error: (err as Error).message });
    }
    await condition(() => refreshRequested, config.refreshIntervalMs);
    if (workflowInfo().continueAsNewSuggested) break;
  }
  // The memo is handed to the new run explicitly (a new run starts with none), so the API never finds it missing.
  await makeContinueAsNewFunc<typeof organizationDirectory>({ memo: workflowInfo().memo })(config);
}
