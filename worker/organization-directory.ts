/**
 * The organization directory (contract/organization-directory.ts) from the worker's side: started at worker start,
 * idempotently (a worker restart, or several workers, join the one that runs). The API reads it
 * (client/organization-directory.ts).
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import {
  DEFAULT_ORGANIZATION_DIRECTORY_CONFIG,
  ORGANIZATION_DIRECTORY_WORKFLOW_TYPE,
  organizationDirectoryWorkflowId,
  type OrganizationDirectoryConfig,
} from '../contract/organization-directory';

/** Starts the directory of this task queue unless it runs already. */
export async function ensureOrganizationDirectory(
  client: Client,
  taskQueue: string,
  config: OrganizationDirectoryConfig = DEFAULT_ORGANIZATION_DIRECTORY_CONFIG,
): Promise<void> {
  await client.workflow.start(ORGANIZATION_DIRECTORY_WORKFLOW_TYPE, {
    workflowId: organizationDirectoryWorkflowId(taskQueue),
    taskQueue,
    args: [config],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: "Lists the organization's OUs every few minutes for the request API",
  });
}
