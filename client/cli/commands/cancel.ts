/** vend cancel: stop a running request (its requester or an operator). */
import { type Command } from 'commander';
import { contextFrom, parseInput, type CliIo } from '../context';
import { RequestRefSchema } from '../request-ref';

export function register(program: Command, io: CliIo): void {
  program
    .command('cancel')
    .description('cancel a running request; any open root window is closed first')
    .argument('<request>', 'request id (vend-...) or account email')
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const ctx = contextFrom(command, io);
      const id = parseInput(RequestRefSchema, ref);
      const res = await ctx.api.call('POST', `/v1/account-requests/${id}/cancel`);
      ctx.print(res.body, () => `${id}: cancellation requested (follow it with: vend watch ${id})`);
    });
}
