/** vend blueprints: the day-1 blueprints a request may name (`vend request --blueprint <name>`). */
import { type Command } from 'commander';
import { contextFrom, type CliIo } from '../context';
import { formatTable } from '../format';

interface BlueprintSummary {
  name: string;
  version: number;
  description?: string;
  defaultFor: string[];
  steps: string[];
}

export function register(program: Command, io: CliIo): void {
  program
    .command('blueprints')
    .description('list the day-1 blueprints (what a new account gets) and the OUs they are the default for')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = contextFrom(command, io);
      const res = await ctx.api.call<{ items: BlueprintSummary[] }>('GET', '/v1/blueprints');
      ctx.print(res.body, () =>
        res.body.items.length === 0
          ? 'no blueprints'
          : formatTable([
              ['NAME', 'VERSION', 'DEFAULT FOR', 'STEPS'],
              ...res.body.items.map((b) => [b.name, String(b.version), b.defaultFor.join(', ') || '-', b.steps.join(', ')]),
            ]),
      );
    });
}
