/** vend list: requests from Temporal's visibility, filtered by stage, requester or account email. */
import { type Command } from 'commander';
import { z } from 'zod';
import { AccountEmailSchema } from '../../../contract/request';
import { VENDING_STAGES } from '../../../contract/stages';
import { contextFrom, parseInput, type CliIo } from '../context';
import { formatTable, printable } from '../format';

const ListOptionsSchema = z.object({
  stage: z.enum(VENDING_STAGES).optional(),
  requester: z.string().regex(/^[\w.@+|:-]{1,128}$/, 'a user id').optional(),
  // The API turns it into the keyed hash that AccountEmail holds when encryption is on.
  email: AccountEmailSchema.optional(),
  pageSize: z.coerce.number().int().min(1).max(100).optional(),
  pageToken: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a nextPageToken from an earlier list').optional(),
});

interface ListPage {
  items: { id: string; stage: string; requester?: string; accountId?: string; startedAt: string }[];
  nextPageToken?: string;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('list')
    .description('list requests, newest first')
    .option('--stage <stage>', `only requests at this stage (${VENDING_STAGES.join(', ')})`)
    .option('--requester <user>', 'only requests by this user')
    .option('--email <address>', 'only the request for this account email')
    .option('--page-size <n>', 'requests per page (1-100)')
    .option('--page-token <token>', 'the next page, as printed by the previous list')
    .action(async (opts: Record<string, string | undefined>, command: Command) => {
      const ctx = contextFrom(command, io);
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
