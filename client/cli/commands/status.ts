/** vend status: one request in detail. */
import { type Command } from 'commander';
import { contextFrom, parseInput, type CliIo } from '../context';
import { formatRequest, type RequestViewLike } from '../format';
import { RequestRefSchema } from '../request-ref';

export function register(program: Command, io: CliIo): void {
  program
    .command('status')
    .description("a request's stage, account, billing-access verdict and timeline")
    .argument('<request>', 'request id (vend-...) or account email')
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const ctx = contextFrom(command, io);
      const id = parseInput(RequestRefSchema, ref);
      const res = await ctx.api.call<RequestViewLike>('GET', `/v1/account-requests/${id}`);
      ctx.print(res.body, () => formatRequest(res.body));
    });
}
