/** vend list: requests (or, with --closures, account closures) from Temporal's visibility, filtered. */
import { type Command } from 'commander';
import { z } from 'zod';
import { ACCOUNT_ID_PATTERN } from '../../../contract/closure';
import { AccountEmailSchema } from '../../../contract/request';
import { CLOSURE_STAGES, VENDING_STAGES } from '../../../contract/stages';
import { contextFrom, parseInput, type CliContext, type CliIo } from '../context';
import { CliError, EXIT } from '../errors';
import { formatTable, printable } from '../format';

const ListOptionsSchema = z.object({
  stage: z.enum(VENDING_STAGES).optional(),
  requester: z.string().regex(/^[\w.@+|:-]{1,128}$/, 'a user id').optional(),
  // The API turns it into the keyed hash that AccountEmail holds when encryption is on.
  email: AccountEmailSchema.optional(),
  pageSize: z.coerce.number().int().min(1).max(100).optional(),
  pageToken: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a nextPageToken from an earlier list').optional(),
});

const ClosureListOptionsSchema = ListOptionsSchema.omit({ email: true }).extend({
  stage: z.enum(CLOSURE_STAGES).optional(),
  accountId: z.string().regex(ACCOUNT_ID_PATTERN, 'a 12-digit account id').optional(),
});

interface ListPage {
  items: { id: string; stage: string; requester?: string; accountId?: string; startedAt: string }[];
  nextPageToken?: string;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('list')
    .description('list requests, newest first; with --closures, account closures')
    .option('--closures', 'list account closures instead of requests')
    .option('--stage <stage>', `only those at this stage (requests: ${VENDING_STAGES.join(', ')}; closures: ${CLOSURE_STAGES.join(', ')})`)
    .option('--requester <user>', 'only those asked for by this user')
    .option('--email <address>', 'only the request for this account email')
    .option('--account <id>', 'closures: only those of this account')
    .option('--page-size <n>', 'requests per page (1-100)')
    .option('--page-token <token>', 'the next page, as printed by the previous list')
    .action(async ({ closures, account, ...opts }: Record<string, string | undefined>, command: Command) => {
      const ctx = contextFrom(command, io);
      if (closures) return listClosures(ctx, { ...opts, accountId: account });
      if (account !== undefined) throw new CliError('--account lists closures: add --closures', EXIT.usage);
      const filters = parseInput(ListOptionsSchema, opts, { pageSize: '--page-size', pageToken: '--page-token' });
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filters)) if (value !== undefined) query.set(key, String(value));
      const res = await ctx.api.call<ListPage>('GET', `/v1/account-requests${query.size ? `?${query}` : ''}`);
      ctx.print(res.body, () => {
        if (res.body.items.length === 0) return 'no requests';
        const rows = [['ID', 'STAGE', 'REQUESTER', 'ACCOUNT', 'STARTED']];
        for (const r of res.body.items) rows.push([r.id, r.stage, r.requester ?? '-', r.accountId ?? '-', r.startedAt]);
        return formatTable(rows) + (res.body.nextPageToken ? `\nmore: vend list --page-token ${printable(res.body.nextPageToken)}` : '');
      });
    });
}

async function listClosures(ctx: CliContext, opts: Record<string, string | undefined>): Promise<void> {
  if (opts.email !== undefined) throw new CliError('--email lists requests; closures are found by --account', EXIT.usage);
  const filters = parseInput(ClosureListOptionsSchema, opts, { pageSize: '--page-size', pageToken: '--page-token', accountId: '--account' });
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== undefined) query.set(key, String(value));
  const res = await ctx.api.call<ListPage>('GET', `/v1/closure-requests${query.size ? `?${query}` : ''}`);
  ctx.print(res.body, () => {
    if (res.body.items.length === 0) return 'no closures';
    const rows = [['ID', 'STAGE', 'ACCOUNT', 'ASKED BY', 'STARTED']];
    for (const r of res.body.items) rows.push([r.id, r.stage, r.accountId ?? '-', r.requester ?? '-', r.startedAt]);
    return formatTable(rows) + (res.body.nextPageToken ? `\nmore: vend list --closures --page-token ${printable(res.body.nextPageToken)}` : '');
  });
}
