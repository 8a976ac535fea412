/**
 * Human renderings of the API's answers (the --json flag prints them as JSON). Every value the API sends may hold
 * text someone typed (a decision reason, a name, an AWS message), so each field is printed through `printable`:
 * control and format characters (Unicode Cc, Cf, Zl, Zp: ESC, CR, U+0085, U+200B, U+202E, ...) are shown as escapes
 * instead of moving the cursor, repainting a line or reversing the text in the reader's terminal.
 */
import { UNSAFE_CHARACTERS } from '../../contract/text';
import { type RequestView } from '../api/routes/schemas';

const UNSAFE = new RegExp(UNSAFE_CHARACTERS, 'gu');
const UNSAFE_EXCEPT_NEWLINE = /[\p{Cf}\p{Zl}\p{Zp}]|[^\P{Cc}\n]/gu;
/** What JSON.stringify leaves raw inside strings (it escapes U+0000-U+001F itself; raw newlines are its indentation). */
const UNSAFE_IN_JSON = /[\u007F-\u009F\p{Cf}\p{Zl}\p{Zp}]/gu;

const hex = (codePoint: number, width: number) => codePoint.toString(16).toUpperCase().padStart(width, '0');

/** One field, on one line: every control or format character as `\xHH` or `\u{HHHH}`. */
export function printable(value: unknown, opts: { keepNewlines?: boolean } = {}): string {
  return String(value ?? '').replace(opts.keepNewlines ? UNSAFE_EXCEPT_NEWLINE : UNSAFE, (char) => {
    const codePoint = char.codePointAt(0) as number;
    return codePoint <= 0xff ? `\\x${hex(codePoint, 2)}` : `\\u{${hex(codePoint, 4)}}`;
  });
}

/**
 * JSON for the terminal: JSON.stringify escapes only U+0000-U+001F, so the other control and format characters
 * (U+007F-U+009F, U+200B, U+202E, U+2028, ...) are escaped here as \uXXXX; the JSON means the same.
 */
export function printableJson(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(UNSAFE_IN_JSON, (char) =>
    Array.from({ length: char.length }, (_, i) => `\\u${hex(char.charCodeAt(i), 4).toLowerCase()}`).join(''),
  );
}

/** What GET /v1/account-requests/{id} answers (client/api/routes/schemas.ts, built from contract/vending.ts). */
export type RequestViewLike = Omit<RequestView, 'links' | 'guardianFindings' | 'execution'> & Partial<Pick<RequestView, 'guardianFindings' | 'execution'>>;
export type TimelineEntry = RequestView['timeline'][number];

export function formatRequest(view: RequestViewLike): string {
  const p = printable;
  const lines = [`${p(view.id)}  ${p(view.stage)}${view.execution ? ` (${p(view.execution)})` : ''}`];
  if (view.requester) lines.push(`  requester:      ${p(view.requester)}`);
  if (view.accountId) lines.push(`  account:        ${p(view.accountId)}`);
  if (view.billingAccess) {
    lines.push(`  billing access: ${p(view.billingAccess.verdict)}`);
    for (const e of view.billingAccess.evidence) lines.push(`    - ${p(e.source)}: ${p(e.indicates)} (${p(e.detail)})`);
  }
  if (view.pendingDecision) {
    lines.push(`  decision due:   ${p(view.pendingDecision.deadline)} (reminders sent: ${p(view.pendingDecision.remindersSent)})`);
  }
  if (view.decision) lines.push(`  decision:       ${p(view.decision.decision)} by ${p(view.decision.decidedBy)}: ${p(view.decision.reason)}`);
  if (view.rootWindow) {
    const w = view.rootWindow;
    lines.push(`  root window:    opened ${p(w.openedAt ?? '-')}, closed ${p(w.closedAt ?? '-')}${w.closedBecause ? ` (${p(w.closedBecause)})` : ''}`);
  }
  if (view.baseline) {
    const b = view.baseline;
    lines.push(`  baseline:       ${p(b.blueprint.name)} v${p(b.blueprint.version)}`);
    for (const s of b.steps) lines.push(`    - ${p(s.step)}: ${p(s.state)}${s.runs > 1 ? ` (run ${s.runs})` : ''}${s.outcome || s.failure ? ` ${p(s.failure?.message ?? s.outcome)}` : ''}`);
    if (b.pending) lines.push(`  WAITING:        an operator's baseline-retry or baseline-skip of ${p(b.pending.step)} until ${p(b.pending.deadline)}`);
  }
  if (view.failure) lines.push(`  failure:        ${p(view.failure.message)}`);
  for (const alarm of view.alarms ?? []) lines.push(`  SAFETY ALARM:   ${p(alarm)} (operators were alerted)`);
  for (const f of view.guardianFindings ?? []) {
    lines.push(`  GUARDIAN:       ${p(f.alarm)} on account ${p(f.accountId ?? '?')} at ${p(f.at)}: ${p(f.workflowId)} (${p(f.execution)})`);
  }
  if (view.timeline.length > 0) {
    lines.push('  timeline:');
    for (const entry of view.timeline) lines.push(`    ${formatTimelineEntry(entry)}`);
  }
  return lines.join('\n');
}

export function formatTimelineEntry(entry: TimelineEntry): string {
  return `${printable(entry.enteredAt)}  ${printable(entry.stage)}${entry.note ? `  (${printable(entry.note)})` : ''}`;
}

/** Columns padded to the widest cell; every cell printable first, so the widths are those the terminal shows. */
export function formatTable(rows: string[][]): string {
  const cells = rows.map((row) => row.map((cell) => printable(cell)));
  const widths = cells[0].map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}
