/** Human renderings of closures (the --json flag prints the API's answers as they are); every value printable-escaped. */
import { formatTimelineEntry, printable, type TimelineEntry } from './format';

export interface ClosureViewLike {
  id: string;
  stage: string;
  accountId?: string;
  accountName?: string;
  requester?: string;
  owner?: string;
  adopted?: boolean;
  reason?: string;
  execution?: string;
  pendingDecision?: { deadline: string; remindersSent: number };
  decision?: { decision: string; reason: string; decidedBy: string };
  quarantine?: { sourceParentId: string; quarantineParentId: string; attachedPolicyId?: string; graceEndsAt?: string; restoredAt?: string };
  closure?: { closeRequestedAt?: string; awsState?: string; suspendedAt?: string; reopenWindowEndsAt?: string };
  slot?: { position: number; expectedAt?: string; waitingFor: string };
  cancellation?: { cancelledBy: string; reason: string };
  failure?: { message: string };
  timeline: TimelineEntry[];
}

export function formatClosure(view: ClosureViewLike): string {
  const p = printable;
  const lines = [`${p(view.id)}  ${p(view.stage)}${view.execution ? ` (${p(view.execution)})` : ''}`];
  if (view.accountId) lines.push(`  account:        ${p(view.accountId)}${view.accountName ? ` (${p(view.accountName)})` : ''}${view.adopted ? ', adopted' : ''}`);
  if (view.requester) lines.push(`  asked by:       ${p(view.requester)}${view.reason ? `: ${p(view.reason)}` : ''}`);
  if (view.owner) lines.push(`  owner:          ${p(view.owner)}`);
  if (view.pendingDecision) lines.push(`  decision due:   ${p(view.pendingDecision.deadline)} (reminders sent: ${p(view.pendingDecision.remindersSent)})`);
  if (view.decision) lines.push(`  decision:       ${p(view.decision.decision)} by ${p(view.decision.decidedBy)}: ${p(view.decision.reason)}`);
  if (view.quarantine) {
    const q = view.quarantine;
    lines.push(`  quarantine:     ${p(q.quarantineParentId)} (from ${p(q.sourceParentId)}${q.attachedPolicyId ? `, SCP ${p(q.attachedPolicyId)}` : ''})`);
    if (q.restoredAt) lines.push(`  restored:       ${p(q.restoredAt)}`);
    else if (q.graceEndsAt) lines.push(`  grace ends:     ${p(q.graceEndsAt)}`);
  }
  if (view.slot) {
    const when = view.slot.expectedAt ? `expected ${p(view.slot.expectedAt)}` : 'no estimate yet';
    lines.push(`  in line:        place ${p(view.slot.position + 1)}, ${when} (waiting for: ${p(view.slot.waitingFor)})`);
  }
  if (view.closure?.closeRequestedAt) lines.push(`  CloseAccount:   ${p(view.closure.closeRequestedAt)}${view.closure.awsState ? ` (AWS: ${p(view.closure.awsState)})` : ''}`);
  if (view.closure?.reopenWindowEndsAt) lines.push(`  reopenable until ${p(view.closure.reopenWindowEndsAt)} (through AWS Support)`);
  if (view.cancellation) lines.push(`  cancelled by:   ${p(view.cancellation.cancelledBy)}: ${p(view.cancellation.reason)}`);
  if (view.failure) lines.push(`  failure:        ${p(view.failure.message)}`);
  if (view.timeline.length > 0) {
    lines.push('  timeline:');
    for (const entry of view.timeline) lines.push(`    ${formatTimelineEntry(entry)}`);
  }
  return lines.join('\n');
}
