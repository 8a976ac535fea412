/** vend watch: follow a request's (or a closure's) stages live until it ends; the exit code says how it ended. */
import { type Command } from 'commander';
import { z } from 'zod';
import { isTerminalClosureStage, isTerminalStage } from '../../../contract/stages';
import { AnyRefSchema } from '../closure-ref';
import { contextFrom, parseInput, type CliIo } from '../context';
import { CliError, EXIT } from '../errors';
import { formatTimelineEntry, printable, printableJson, type RequestViewLike } from '../format';

const WatchOptionsSchema = z.object({
  interval: z.coerce.number().int().min(100).max(60_000),
  timeout: z.coerce.number().int().min(1).optional(),
});

export function register(program: Command, io: CliIo): void {
  program
    .command('watch')
    .description(
      'follow a request until it ends (exit 0 when completed), or a closure until the account is SUSPENDED (exit 0 at ' +
        'suspended or closed); exit 1 when it ended otherwise',
    )
    .argument('<request>', 'request id (vend-...) or account email; closure id (close-...) or account id')
    .option('--interval <ms>', 'how often to ask', '1000')
    .option('--timeout <seconds>', 'give up after this long (exit 1)')
    .action(async (ref: string, raw: { interval: string; timeout?: string }, command: Command) => {
      const ctx = contextFrom(command, io);
      const target = parseInput(AnyRefSchema, ref);
      const { id } = target;
      const closure = target.kind === 'closure';
      const path = closure ? `/v1/closure-requests/${id}` : `/v1/account-requests/${id}`;
      // A closure's account is closed at `suspended`; what follows is AWS's 90-day reopen window.
      const succeeded = (stage: string) => (closure ? stage === 'suspended' || stage === 'closed' : stage === 'completed');
      const ended = (stage: string) => (closure ? isTerminalClosureStage(stage) : isTerminalStage(stage));
      const opts = parseInput(WatchOptionsSchema, raw);
      const deadline = opts.timeout ? Date.now() + opts.timeout * 1000 : Infinity;
      let shown = 0;
      for (;;) {
        const { body: view } = await ctx.api.call<RequestViewLike>('GET', path);
        // The timeline only grows: print what is new since the last poll.
        for (const entry of view.timeline.slice(shown)) ctx.out(ctx.json ? printableJson(entry) : formatTimelineEntry(entry));
        shown = Math.max(shown, view.timeline.length);
        if (succeeded(view.stage)) return;
        if (ended(view.stage)) {
          throw new CliError(`${id} ended at ${printable(view.stage)}${view.failure ? `: ${printable(view.failure.message)}` : ''}`, EXIT.refused);
        }
        if (Date.now() >= deadline) throw new CliError(`${id} is still at ${printable(view.stage)} after ${opts.timeout}s`, EXIT.refused);
        await new Promise((resolve) => setTimeout(resolve, opts.interval));
      }
    });
}
