/** What the control API shows of the baseline's services: org-wide counters, and one account's baseline state. */
import { type SandboxContext } from './context';
import { regionStatesView } from './regions';

export function baselineStateView(ctx: SandboxContext): Record<string, unknown> {
  const b = ctx.state.baseline;
  return {
    ...b.counters,
    assignmentCreationsInProgress: b.assignmentCreations.filter((c) => c.status === 'IN_PROGRESS').length,
  };
}

export function accountBaselineView(ctx: SandboxContext, accountId: string): Record<string, unknown> {
  const b = ctx.state.baseline;
  return {
    regions: regionStatesView(ctx, accountId),
    contactInformation: b.contactInformation.get(accountId),
    assignmentCreations: b.assignmentCreations
      .filter((c) => c.targetId === accountId)
      .map((c) => ({ permissionSetArn: c.permissionSetArn, principalType: c.principalType, principalId: c.principalId, status: c.status })),
  };
}
