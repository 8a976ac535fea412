/** vend approve | reject | attest: an approver's decision on a request waiting at awaiting-decision. */
import { type Command } from 'commander';
import { z } from 'zod';
import { contextFrom, parseInput, type CliIo } from '../context';
import { printable } from '../format';
import { RequestRefSchema } from '../request-ref';

const DECISIONS = [
  { name: 'approve', decision: 'approve-remediation', description: 'approve the audited root window that switches billing access on' },
  { name: 'attest', decision: 'attest-enabled', description: 'attest that billing access is already on (say how you know)' },
  { name: 'reject', decision: 'reject', description: 'reject the request; it ends as rejected' },
] as const;

const ReasonSchema = z.string().trim().min(1, 'a reason is required').max(1000);

export function register(program: Command, io: CliIo): void {
  for (const { name, decision, description } of DECISIONS) {
    program
      .command(name)
      .description(description)
      .argument('<request>', 'request id (vend-...) or account email')
      .requiredOption('--reason <text>', 'why; kept in the audit history')
      .action(async (ref: string, opts: { reason: string }, command: Command) => {
        const ctx = contextFrom(command, io);
        const id = parseInput(RequestRefSchema, ref);
        const reason = parseInput(ReasonSchema, opts.reason, { '': '--reason' });
        const res = await ctx.api.call<{ id: string; decision: { decision: string; decidedBy: string } }>('POST', `/v1/account-requests/${id}/decision`, {
          body: { decision, reason },
        });
        ctx.print(res.body, () => `${id}: ${printable(res.body.decision.decision)} recorded for ${printable(res.body.decision.decidedBy)}`);
      });
  }
}
