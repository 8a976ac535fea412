/** Human renderings of the API's answers (the --json flag prints them as they came). */
export interface RequestViewLike {
  id: string;
  stage: string;
  requester?: string;
  accountId?: string;
  execution?: string;
  billingAccess?: { verdict: string; evidence: { source: string; indicates: string; detail: string }[] };
  pendingDecision?: { since: string; deadline: string; remindersSent: number };
  decision?: { decision: string; reason: string; decidedBy: string; decidedAt: string };
  rootWindow?: { openedAt?: string; closedAt?: string; closedBecause?: string; confirmedBy?: string };
  failure?: { message: string };
  timeline: TimelineEntry[];
}

export interface TimelineEntry {
  stage: string;
  enteredAt: string;
  note?: string;
}

export function formatRequest(view: RequestViewLike): string {
  const lines = [`${view.id}  ${view.stage}${view.execution ? ` (${view.execution})` : ''}`];
  if (view.requester) lines.push(`  requester:      ${view.requester}`);
  if (view.accountId) lines.push(`  account:        ${view.accountId}`);
  if (view.billingAccess) {
    lines.push(`  billing access: ${view.billingAccess.verdict}`);
    for (const e of view.billingAccess.evidence) lines.push(`    - ${e.source}: ${e.indicates} (${e.detail})`);
  }
  if (view.pendingDecision) lines.push(`  decision due:   ${view.pendingDecision.deadline} (reminders sent: ${view.pendingDecision.remindersSent})`);
  if (view.decision) lines.push(`  decision:       ${view.decision.decision} by ${view.decision.decidedBy}: ${view.decision.reason}`);
  if (view.rootWindow) {
    const w = view.rootWindow;
    lines.push(`  root window:    opened ${w.openedAt ?? '-'}, closed ${w.closedAt ?? '-'}${w.closedBecause ? ` (${w.closedBecause})` : ''}`);
  }
  if (view.failure) lines.push(`  failure:        ${view.failure.message}`);
  if (view.timeline.length > 0) {
    lines.push('  timeline:');
    for (const entry of view.timeline) lines.push(`    ${formatTimelineEntry(entry)}`);
  }
  return lines.join('\n');
}

export function formatTimelineEntry(entry: TimelineEntry): string {
  return `${entry.enteredAt}  ${entry.stage}${entry.note ? `  (${entry.note})` : ''}`;
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}
