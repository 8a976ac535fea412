/** vend status: one request, or one account closure, in detail. */
import { type Command } from 'commander';
import { formatClosure, type ClosureViewLike } from '../closure-format';
import { AnyRefSchema } from '../closure-ref';
import { contextFrom, parseInput, type CliIo } from '../context';
import { formatRequest, type RequestViewLike } from '../format';

export function register(program: Command, io: CliIo): void {
  program
    .command('status')
    .description("a request's stage, account, billing-access verdict and timeline; or a closure's")
    .argument('<request>', 'request id (vend-...) or account email; closure id (close-...) or account id')
    .action(async (raw: string, _opts: unknown, command: Command) => {
      const ctx = contextFrom(command, io);
      const ref = parseInput(AnyRefSchema, raw);
      if (ref.kind === 'closure') {
        const res = await ctx.api.call<ClosureViewLike>('GET', `/v1/closure-requests/${ref.id}`);
        return ctx.print(res.body, () => formatClosure(res.body));
      }
      const res = await ctx.api.call<RequestViewLike>('GET', `/v1/account-requests/${ref.id}`);
      ctx.print(res.body, () => formatRequest(res.body));
    });
}
