/** vend request: ask for an account. */
import { type Command } from 'commander';
import { z } from 'zod';
import { AlternateContactsSchema, NewAccountRequestSchema } from '../../../contract/request';
import { contextFrom, parseInput, type CliIo } from '../context';
import { CliError, EXIT } from '../errors';
import { printable } from '../format';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command, io: CliIo): void {
  program
    .command('request')
    .description('ask for a new AWS member account')
    .requiredOption('--name <accountName>', 'the account name (1-50 printable ASCII characters)')
    .requiredOption('--email <email>', "the account's root email address")
    .requiredOption('--ou <organizationalUnit>', 'target OU, by name (Workloads) or id (ou-...)')
    .option('--tag <key=value>', 'a tag for the account; repeat for more', collect)
    .option('--alternate-contacts <json>', 'billing/operations/security contacts as JSON: {"billing": {"name","title","email","phone"}}')
    .option('--justification <text>', 'why the account is needed')
    .option('--blueprint <name>', "the day-1 blueprint (vend blueprints); default: the OU's, if it has one")
    .option('--idempotency-key <key>', 'send the same key again to get the same request back instead of a conflict')
    .action(async (opts: { name: string; email: string; ou: string; tag?: string[]; alternateContacts?: string; justification?: string; blueprint?: string; idempotencyKey?: string }, command: Command) => {
      const ctx = contextFrom(command, io);
      const tags = opts.tag ? Object.fromEntries(opts.tag.map(splitTag)) : undefined;
      const alternateContacts = opts.alternateContacts === undefined ? undefined : parseInput(AlternateContactsSchema, parseJson(opts.alternateContacts), { billing: '--alternate-contacts', operations: '--alternate-contacts', security: '--alternate-contacts' });
      const body = parseInput(
        NewAccountRequestSchema,
        { accountName: opts.name, email: opts.email, organizationalUnit: opts.ou, tags, alternateContacts, justification: opts.justification, blueprint: opts.blueprint },
        { accountName: '--name', email: '--email', organizationalUnit: '--ou', tags: '--tag', justification: '--justification', blueprint: '--blueprint' },
      );
      const idempotencyKey = opts.idempotencyKey === undefined ? undefined : parseInput(z.string().regex(/^[\x21-\x7E]{1,255}$/), opts.idempotencyKey, { '': '--idempotency-key' });
      const res = await ctx.api.call<{ id: string; stage: string }>('POST', '/v1/account-requests', {
        body,
        headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      });
      ctx.print(res.body, () =>
        res.status === 200
          ? `already requested with this key: ${printable(res.body.id)} (stage ${printable(res.body.stage)})`
          : `accepted: ${printable(res.body.id)} (stage ${printable(res.body.stage)})`,
      );
    });
}

function splitTag(tag: string): [string, string] {
  const at = tag.indexOf('=');
  if (at <= 0) throw new CliError(`--tag: expected key=value, got ${JSON.stringify(tag)}`, EXIT.usage);
  return [tag.slice(0, at), tag.slice(at + 1)];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError('--alternate-contacts: not valid JSON', EXIT.usage);
  }
}
