/** vend confirm: the root-mailbox owner confirms the remediation while the root window is open. */
import { type Command } from 'commander';
import { z } from 'zod';
import { contextFrom, parseInput, type CliIo } from '../context';
import { RequestRefSchema } from '../request-ref';

export function register(program: Command, io: CliIo): void {
  program
    .command('confirm')
    .description('confirm that billing access was switched on as root; the root window then closes')
    .argument('<request>', 'request id (vend-...) or account email')
    .option('--note <text>', 'what was done', '')
    .action(async (ref: string, opts: { note: string }, command: Command) => {
      const ctx = contextFrom(command, io);
      const id = parseInput(RequestRefSchema, ref);
      const note = parseInput(z.string().max(1000), opts.note, { '': '--note' });
      const res = await ctx.api.call('POST', `/v1/account-requests/${id}/remediation-confirmation`, { body: { note } });
      ctx.print(res.body, () => `${id}: remediation confirmed; the root window is closing`);
    });
}
