/**
 * vend doctor: checks the organization's preconditions before the first request and prints each as PASS / FAIL
 * (with the fix) / CONFIRM (no API can tell; a person looks once). Unlike the other commands it talks to AWS directly,
 * with the worker's AWS settings (the same env names and schema as the worker's, config/aws.ts): VEND_AWS_ENDPOINT, VEND_AWS_REGION,
 * VEND_AWS_ACCESS_KEY_ID / VEND_AWS_SECRET_ACCESS_KEY (unset = the default credentials chain), VEND_MEMBER_ROLE_NAME,
 * VEND_ACCOUNT_QUOTA. With none of them (nor the SDK's own credential settings) it checks the local sandbox of a
 * running `npm start` (client/doctor/aws-target.ts). Exit 0 when nothing failed, 1 when a check failed, 2 for a bad
 * setting or no credentials, 3 when AWS is unreachable.
 */
import { type Command } from 'commander';
import { z } from 'zod';
import { createAwsClients } from '../../../activities/aws-clients';
import { awsSettingsFromEnv, type AwsConfig, type AwsSettings } from '../../../config/aws';
import { LocalSandboxFileError } from '../../../config/local-sandbox';
import { doctorAwsTarget, type DoctorAwsTarget } from '../../doctor/aws-target';
import { DoctorAbort, runDoctor, type CheckResult, type DoctorReport } from '../../doctor/checks';
import { parseInput, type CliIo } from '../context';
import { printable, printableJson } from '../format';
import { CliError, EXIT } from '../errors';

const collect = (value: string, previous: string[] = []) => [...previous, value];
export const DEFAULT_DOCTOR_OUS = ['Workloads'];

const DoctorInputSchema = z.object({
  ou: z.array(z.string().min(1).max(128)).min(1),
  accountQuota: z.coerce.number().int().positive().optional(),
  probeAccount: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id').optional(),
});

const STATUS_LABEL: Record<CheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', confirm: 'CONFIRM' };

export function register(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description("check the organization's preconditions for vending, with the worker's AWS settings (talks to AWS directly)")
    .option('--ou <organizationalUnit>', `an OU requests will target, by name or id; repeat for more (default ${DEFAULT_DOCTOR_OUS.join(', ')})`, collect)
    .option('--account-quota <n>', `the organization's account quota from Service Quotas (env VEND_ACCOUNT_QUOTA; AWS's default is 10)`)
    .option('--probe-account <accountId>', 'the member account to look at Cost Explorer from (default: the first one whose access role works)')
    .action(async (opts: { ou?: string[]; accountQuota?: string; probeAccount?: string }, command: Command) => {
      const json = command.optsWithGlobals<{ json?: boolean }>().json ?? false;
      const input = parseInput(
        DoctorInputSchema,
        { ou: opts.ou ?? DEFAULT_DOCTOR_OUS, accountQuota: opts.accountQuota, probeAccount: opts.probeAccount },
        { ou: '--ou', accountQuota: '--account-quota', probeAccount: '--probe-account' },
      );
      const target = awsTargetOf(io.env);
      const { aws: config, accountQuota } = doctorConfigFromEnv(target.env);
      const aws = createAwsClients(config);
      let report: DoctorReport;
      try {
        report = await runDoctor(aws, {
          organizationalUnits: input.ou,
          accountQuota: input.accountQuota ?? accountQuota,
          probeAccountId: input.probeAccount,
          memberRoleName: config.memberRoleName,
          operatorAttestation: operatorAttestationFromEnv(io.env),
        });
      } catch (err) {
        if (err instanceof DoctorAbort && err.reason === 'unreachable') {
          throw new CliError(`${err.message} (${config.endpoint ?? `AWS, region ${config.region}`}; check VEND_AWS_ENDPOINT)`, EXIT.unreachable);
        }
        if (err instanceof DoctorAbort && target.kind === 'environment' && target.localSandbox) {
          throw new CliError(`${err.message}\nfor the local sandbox, run npm start: then \`npx vend doctor\` checks it (${target.localSandbox.why})`, EXIT.usage);
        }
        if (err instanceof DoctorAbort) throw new CliError(err.message, EXIT.usage);
        throw err;
      } finally {
        aws.destroy();
      }
      if (json) io.stdout(`${printableJson(report, 2)}\n`);
      else io.stdout(formatReport(report, config, target));
      const failures = report.checks.filter((c) => c.status === 'fail').length;
      if (failures > 0) {
        throw new CliError(`${failures} of ${report.checks.length} organization checks failed; fix them before the first request`, EXIT.refused);
      }
    });
}

function awsTargetOf(env: NodeJS.ProcessEnv): DoctorAwsTarget {
  try {
    return doctorAwsTarget(env);
  } catch (err) {
    if (err instanceof LocalSandboxFileError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}

/**
 * The worker's own AWS settings, read and validated by the same code as the worker's (config/aws.ts: VEND_AWS_MODE,
 * VEND_AWS_ENDPOINT, VEND_STS_ENDPOINT, VEND_AWS_REGION, VEND_AWS_ACCESS_KEY_ID / VEND_AWS_SECRET_ACCESS_KEY,
 * VEND_MEMBER_ROLE_NAME, VEND_ACCOUNT_QUOTA), so the doctor sees what the worker will see.
 */
export function doctorConfigFromEnv(env: NodeJS.ProcessEnv): { aws: AwsConfig; accountQuota?: number } {
  let settings: AwsSettings;
  try {
    settings = awsSettingsFromEnv(env);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  // A doctor answers quickly: a few SDK attempts, not the worker's patience.
  return { aws: { ...settings.aws, maxAttempts: Math.min(settings.aws.maxAttempts, 3) }, accountQuota: settings.accountQuota };
}

/** The API's operator attestation, when VEND_POLICY carries one in this environment; shown, never required. */
function operatorAttestationFromEnv(env: NodeJS.ProcessEnv): { attestedBy: string; attestedAt: string } | undefined {
  if (!env.VEND_POLICY) return undefined;
  try {
    const policy = JSON.parse(env.VEND_POLICY) as { billingVerification?: { operatorAttestation?: { attestedBy?: unknown; attestedAt?: unknown } } };
    const a = policy.billingVerification?.operatorAttestation;
    return typeof a?.attestedBy === 'string' && typeof a.attestedAt === 'string' ? { attestedBy: a.attestedBy, attestedAt: a.attestedAt } : undefined;
  } catch {
    return undefined;
  }
}

export function formatReport(
  report: DoctorReport,
  config: Pick<AwsConfig, 'endpoint' | 'region' | 'memberRoleName'>,
  target?: DoctorAwsTarget,
): string {
  const width = Math.max(...Object.values(STATUS_LABEL).map((l) => l.length));
  const lines = [
    `AWS: ${printable(config.endpoint ?? 'AWS endpoints')} (region ${printable(config.region)}), member role ${printable(config.memberRoleName)}`,
    ...(target?.kind === 'local-sandbox'
      ? [`     the local sandbox of npm start (pid ${target.ownerPid}, ${printable(target.file)}); set VEND_AWS_MODE=aws to check real AWS`]
      : []),
    '',
  ];
  for (const check of report.checks) {
    // Details quote AWS (OU names, error messages): printed escaped like every other outside text.
    lines.push(`${STATUS_LABEL[check.status].padEnd(width)}  ${printable(check.title)}: ${printable(check.detail)}`);
    if (check.fix && check.status !== 'pass') lines.push(`${''.padEnd(width)}  ${check.status === 'fail' ? 'fix' : 'to do'}: ${printable(check.fix)}`);
  }
  const count = (status: CheckResult['status']) => report.checks.filter((c) => c.status === status).length;
  lines.push('', `${count('pass')} passed, ${count('fail')} failed, ${count('confirm')} to confirm by hand`);
  return `${lines.join('\n')}\n`;
}
