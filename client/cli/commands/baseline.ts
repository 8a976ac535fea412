/** vend baseline-retry | baseline-skip: an operator's decision on the baseline step a request waits on at needs-attention. */
import { type Command } from 'commander';
import { z } from 'zod';
import { BASELINE_STEPS } from '../../../contract/blueprint';
import { contextFrom, parseInput, type CliIo } from '../context';
import { printable } from '../format';
import { RequestRefSchema } from '../request-ref';

const ReasonSchema = z.string().trim().min(1, 'a reason is required').max(1000);
const StepSchema = z.enum(BASELINE_STEPS);

export function register(program: Command, io: CliIo): void {
  for (const decision of ['retry', 'skip'] as const) {
    program
      .command(`baseline-${decision}`)
      .description(`${decision} the baseline step a request waits on at needs-attention (operators; not the requester)`)
      .argument('<request>', 'request id (vend-...) or account email')
      .requiredOption('--step <step>', `the step waiting: ${BASELINE_STEPS.join(', ')}`)
      .requiredOption('--reason <text>', 'why; kept in the audit history')
      .action(async (ref: string, opts: { step: string; reason: string }, command: Command) => {
        const ctx = contextFrom(command, io);
        const id = parseInput(RequestRefSchema, ref);
        const step = parseInput(StepSchema, opts.step, { '': '--step' });
        const reason = parseInput(ReasonSchema, opts.reason, { '': '--reason' });
        const res = await ctx.api.call<{ id: string; decision: { decision: string; step: string; decidedBy: string } }>(
          'POST',
          `/v1/account-requests/${id}/baseline-decision`,
          { body: { decision, step, reason } },
        );
        ctx.print(res.body, () => `${id}: ${printable(res.body.decision.decision)} of ${printable(res.body.decision.step)} recorded for ${printable(res.body.decision.decidedBy)}`);
      });
  }
}
