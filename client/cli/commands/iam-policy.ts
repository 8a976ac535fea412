/**
 * vend iam-policy: prints the worker's least-privilege IAM policy (JSON) for the member role name the worker runs
 * with: --member-role, else VEND_MEMBER_ROLE_NAME, else AWS's default OrganizationAccountAccessRole.
 */
import { type Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_MEMBER_ROLE_NAME, MemberRoleNameSchema } from '../../../activities/aws-clients';
import { renderWorkerPolicy } from '../../iam/worker-policy';
import { parseInput, type CliIo } from '../context';

export function register(program: Command, io: CliIo): void {
  program
    .command('iam-policy')
    .description("print the worker's IAM policy (JSON) for the member role it assumes in new accounts")
    .option('--member-role <name>', `the role CreateAccount puts into each account (env VEND_MEMBER_ROLE_NAME, default ${DEFAULT_MEMBER_ROLE_NAME})`)
    .action((opts: { memberRole?: string }) => {
      const memberRole = parseInput(
        z.object({ memberRole: MemberRoleNameSchema }),
        { memberRole: opts.memberRole ?? (io.env.VEND_MEMBER_ROLE_NAME || DEFAULT_MEMBER_ROLE_NAME) },
        { memberRole: '--member-role / VEND_MEMBER_ROLE_NAME' },
      ).memberRole;
      io.stdout(renderWorkerPolicy(memberRole));
    });
}
