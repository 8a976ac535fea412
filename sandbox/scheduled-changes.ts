/**
 * Every kind of change the sandbox schedules for later (sandbox/scheduler.ts) and what it does when due. A saved
 * state holding a kind not registered here cannot be restored.
 */
import { CLOSE_ACCOUNT_COMPLETION, completeCloseAccountWhenDue } from './account-closure';
import { type SandboxContext } from './context';
import { completeCreateAccountWhenDue, CREATE_ACCOUNT_COMPLETION } from './organizations';

export function registerScheduledChanges(ctx: SandboxContext): void {
  ctx.scheduler.handle(CREATE_ACCOUNT_COMPLETION, (change) => completeCreateAccountWhenDue(ctx, change));
  ctx.scheduler.handle(CLOSE_ACCOUNT_COMPLETION, (change) => completeCloseAccountWhenDue(ctx, change));
}
