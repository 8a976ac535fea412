/**
 * The root-user window, one AssumeRoot session per step, each scoped to the narrowest task policy: audit the root
 * credentials, allow password recovery, and delete whatever root credentials exist. Only ids and counts leave here.
 *
 * Errors are classified by their AWS error name: a refusal (AccessDenied: an SCP, a missing permission, root sessions
 * switched off) is final and loud, never retried for hours; throttling, expired session tokens and 5xx are retried by
 * Temporal within the root activities' deadline; a name we do not know is retried the same bounded way.
 */
import {
  CreateLoginProfileCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListSigningCertificatesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { type RootCredentialAudit } from '../contract/vending';
import { type AwsClients, type RootTaskPolicy } from './aws-clients';
import { awsErrorName, describeAwsError, nonRetryable } from './errors';

/** AWS error names that mean "you may not": retrying will not change the answer. */
const REFUSALS = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AccountNotManagementOrDelegatedAdministratorException']);
/** The entity is not there: for a deletion, already done. */
const MISSING = new Set(['NoSuchEntity', 'NoSuchEntityException']);

export interface RootCredentialDeletion {
  deleted: string[];
  /** Deletions AWS refused, each named with the error (never with a credential's value). */
  refused: string[];
}

export function createRootAccessActivities(aws: AwsClients, now: () => Date = () => new Date()) {
  const session = async (accountId: string, taskPolicy: RootTaskPolicy): Promise<IAMClient> => {
    try {
      return await aws.rootSession(accountId, taskPolicy);
    } catch (err) {
      throw classifyRootError(err, `AssumeRoot (${taskPolicy}) into ${accountId}`);
    }
  };
  const call = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (err) {
      throw classifyRootError(err, what);
    }
  };
  const audit = async (iam: IAMClient): Promise<RootCredentialAudit> => {
    const { SummaryMap = {} } = await call('GetAccountSummary', () => iam.send(new GetAccountSummaryCommand({})));
    const [mfa, keys, certs, loginProfile] = await Promise.all([
      call('ListMFADevices', () => iam.send(new ListMFADevicesCommand({}))),
      call('ListAccessKeys', () => iam.send(new ListAccessKeysCommand({}))),
      call('ListSigningCertificates', () => iam.send(new ListSigningCertificatesCommand({}))),
      // A login profile without a password (recovery allowed) need not show in AccountPasswordPresent: ask directly.
      hasLoginProfile(iam),
    ]);
    return {
      auditedAt: now().toISOString(),
      passwordPresent: (SummaryMap.AccountPasswordPresent ?? 0) > 0,
      loginProfile,
      mfaDevices: mfa.MFADevices?.length ?? 0,
      accessKeys: keys.AccessKeyMetadata?.length ?? 0,
      signingCertificates: certs.Certificates?.length ?? 0,
    };
  };

  return {
    async auditRootCredentials(accountId: string): Promise<RootCredentialAudit> {
      return audit(await session(accountId, 'IAMAuditRootUserCredentials'));
    },

    /** CreateLoginProfile without user name or password: the root mailbox owner can now reset the password. */
    async allowRootPasswordRecovery(accountId: string): Promise<{ allowed: true }> {
      const iam = await session(accountId, 'IAMCreateRootUserPassword');
      try {
        await iam.send(new CreateLoginProfileCommand({}));
      } catch (err) {
        // A retry after a lost answer: recovery is already allowed.
        if (!['EntityAlreadyExists', 'EntityAlreadyExistsException'].includes(awsErrorName(err) ?? '')) {
          throw classifyRootError(err, 'CreateLoginProfile');
        }
      }
      return { allowed: true };
    },

    /**
     * Deletes every root credential (login profile, MFA, access keys, certificates); safe to repeat. One refusal
     * (an SCP, say) does not stop the others; every refusal is returned, and the workflow raises it to operators.
     */
    async deleteRootCredentials(accountId: string): Promise<RootCredentialDeletion> {
      const iam = await session(accountId, 'IAMDeleteRootUserCredentials');
      const deleted: string[] = [];
      const refused: string[] = [];
      const remove = async (what: string, op: () => Promise<unknown>) => {
        try {
          await op();
          deleted.push(what);
        } catch (err) {
          const name = awsErrorName(err) ?? '';
          if (MISSING.has(name)) return;
          if (REFUSALS.has(name)) {
            refused.push(`${what}: ${describeAwsError(err)}`);
            return;
          }
          throw classifyRootError(err, `deleting the root ${what}`);
        }
      };
      const [mfa, keys, certs] = await Promise.all([
        call('ListMFADevices', () => iam.send(new ListMFADevicesCommand({}))),
        call('ListAccessKeys', () => iam.send(new ListAccessKeysCommand({}))),
        call('ListSigningCertificates', () => iam.send(new ListSigningCertificatesCommand({}))),
      ]);
      for (const device of mfa.MFADevices ?? []) {
        await remove('mfa-device', () => iam.send(new DeactivateMFADeviceCommand({ SerialNumber: device.SerialNumber })));
      }
      for (const key of keys.AccessKeyMetadata ?? []) {
        await remove('access-key', () => iam.send(new DeleteAccessKeyCommand({ AccessKeyId: key.AccessKeyId })));
      }
      for (const cert of certs.Certificates ?? []) {
        await remove('signing-certificate', () => iam.send(new DeleteSigningCertificateCommand({ CertificateId: cert.CertificateId })));
      }
      await remove('login-profile', () => iam.send(new DeleteLoginProfileCommand({})));
      return { deleted, refused };
    },
  };
}

async function hasLoginProfile(iam: IAMClient): Promise<boolean> {
  try {
    await iam.send(new GetLoginProfileCommand({}));
    return true;
  } catch (err) {
    if (MISSING.has(awsErrorName(err) ?? '')) return false;
    throw classifyRootError(err, 'GetLoginProfile');
  }
}

/** A refusal is final (named AccessDenied, so the root window's alarm says why); anything else Temporal retries. */
export function classifyRootError(err: unknown, what: string): Error {
  const name = awsErrorName(err) ?? '';
  if (REFUSALS.has(name)) return nonRetryable('AccessDenied', `${what} was refused: ${describeAwsError(err)}`);
  return new Error(`${what}: ${describeAwsError(err)}`);
}
