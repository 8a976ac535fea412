/** vend close: ask for an account to be closed (its requester, or an operator; --adopt for an account not vended here). */
import { type Command } from 'commander';
import { z } from 'zod';
import { ACCOUNT_ID_PATTERN } from '../../../contract/closure';
import { AccountEmailSchema } from '../../../contract/request';
import { requestIdForEmail } from '../../../contract/request-id';
import { contextFrom, parseInput, type CliIo } from '../context';
import { CliError, EXIT } from '../errors';
import { printable } from '../format';

const AccountRefSchema = z.union([z.string().regex(ACCOUNT_ID_PATTERN).transform((accountId) => ({ accountId })), AccountEmailSchema.transform((email) => ({ email }))], {
  error: 'name the account by its 12-digit id or by the email it was vended with',
});
const ReasonSchema = z.string().trim().min(1, 'a reason is required').max(1000);

export function register(program: Command, io: CliIo): void {
  program
    .command('close')
    .description('ask for an AWS account to be closed: approval by another person, quarantine and a grace period, then CloseAccount')
    .argument('<account>', '12-digit account id, or the email the account was vended with')
    .requiredOption('--reason <text>', 'why; kept in the audit history')
    .option('--adopt', 'operators: close an account this engine did not vend')
    .option('--idempotency-key <key>', 'send the same key again to get the same closure back instead of a conflict')
    .action(async (ref: string, opts: { reason: string; adopt?: boolean; idempotencyKey?: string }, command: Command) => {
      const ctx = contextFrom(command, io);
      const account = parseInput(AccountRefSchema, ref);
      const reason = parseInput(ReasonSchema, opts.reason, { '': '--reason' });
      const idempotencyKey = opts.idempotencyKey === undefined ? undefined : parseInput(z.string().regex(/^[\x21-\x7E]{1,255}$/), opts.idempotencyKey, { '': '--idempotency-key' });
      let accountId = 'accountId' in account ? account.accountId : undefined;
      if (!accountId) {
        // The account an email was vended with: from its vending request.
        const requestId = requestIdForEmail((account as { email: string }).email);
        const { body } = await ctx.api.call<{ accountId?: string; stage: string }>('GET', `/v1/account-requests/${requestId}`);
        if (!body.accountId) throw new CliError(`${requestId} (stage ${printable(body.stage)}) has no account to close`, EXIT.refused);
        accountId = body.accountId;
      }
      const res = await ctx.api.call<{ id: string; stage: string }>('POST', '/v1/closure-requests', {
        body: { accountId, reason, ...(opts.adopt ? { adopt: true } : {}) },
        headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      });
      ctx.print(res.body, () =>
        res.status === 200
          ? `already asked with this key: ${printable(res.body.id)} (stage ${printable(res.body.stage)})`
          : `accepted: ${printable(res.body.id)} (stage ${printable(res.body.stage)}); another approver decides: vend approve ${printable(res.body.id)} --reason ...`,
      );
    });
}
