/** vend cancel: stop a running request (its requester or an operator), or a closure until CloseAccount is sent. */
import { type Command } from 'commander';
import { z } from 'zod';
import { AnyRefSchema } from '../closure-ref';
import { contextFrom, parseInput, type CliIo } from '../context';
import { CliError, EXIT } from '../errors';

const ReasonSchema = z.string().trim().min(1, 'a reason is required').max(1000);

export function register(program: Command, io: CliIo): void {
  program
    .command('cancel')
    .description('cancel a running request (any open root window is closed first), or a closure (a quarantined account is restored)')
    .argument('<request>', 'request id (vend-...) or account email; closure id (close-...) or account id')
    .option('--reason <text>', 'why (required for a closure; kept in its audit history)')
    .action(async (raw: string, opts: { reason?: string }, command: Command) => {
      const ctx = contextFrom(command, io);
      const ref = parseInput(AnyRefSchema, raw);
      if (ref.kind === 'closure') {
        if (opts.reason === undefined) throw new CliError('--reason is required to cancel a closure', EXIT.usage);
        const reason = parseInput(ReasonSchema, opts.reason, { '': '--reason' });
        const res = await ctx.api.call('POST', `/v1/closure-requests/${ref.id}/cancel`, { body: { reason } });
        return ctx.print(res.body, () => `${ref.id}: closure cancelled; a quarantined account is moved back (follow it with: vend watch ${ref.id})`);
      }
      const res = await ctx.api.call('POST', `/v1/account-requests/${ref.id}/cancel`);
      ctx.print(res.body, () => `${ref.id}: cancellation requested (follow it with: vend watch ${ref.id})`);
    });
}
