/**
 * vend approve | reject | attest: an approver's decision on a request waiting at awaiting-decision, or (approve,
 * reject) on an account closure waiting for one.
 */
import { type Command } from 'commander';
import { z } from 'zod';
import { AnyRefSchema } from '../closure-ref';
import { contextFrom, parseInput, type CliIo } from '../context';
import { CliError, EXIT } from '../errors';
import { printable } from '../format';

const DECISIONS = [
  {
    name: 'approve',
    decision: 'approve-remediation',
    closureDecision: 'approve',
    description: 'approve the audited root window that switches billing access on; or approve a closure',
  },
  { name: 'attest', decision: 'attest-enabled', closureDecision: undefined, description: 'attest that billing access is already on (say how you know)' },
  { name: 'reject', decision: 'reject', closureDecision: 'reject', description: 'reject the request, or the closure; it ends as rejected' },
] as const;

const ReasonSchema = z.string().trim().min(1, 'a reason is required').max(1000);

export function register(program: Command, io: CliIo): void {
  for (const { name, decision, closureDecision, description } of DECISIONS) {
    program
      .command(name)
      .description(description)
      .argument('<request>', `request id (vend-...) or account email${closureDecision ? '; closure id (close-...) or account id' : ''}`)
      .requiredOption('--reason <text>', 'why; kept in the audit history')
      .action(async (ref: string, opts: { reason: string }, command: Command) => {
        const ctx = contextFrom(command, io);
        const target = parseInput(AnyRefSchema, ref);
        const { id } = target;
        const reason = parseInput(ReasonSchema, opts.reason, { '': '--reason' });
        if (target.kind === 'closure' && !closureDecision) throw new CliError(`a closure is approved or rejected, not attested`, EXIT.usage);
        const [path, body] =
          target.kind === 'closure'
            ? [`/v1/closure-requests/${id}/decision`, { decision: closureDecision, reason }]
            : [`/v1/account-requests/${id}/decision`, { decision, reason }];
        const res = await ctx.api.call<{ id: string; decision: { decision: string; decidedBy: string } }>('POST', path, { body });
        ctx.print(res.body, () => `${id}: ${printable(res.body.decision.decision)} recorded for ${printable(res.body.decision.decidedBy)}`);
      });
  }
}
