/**
 * The root-user window, one AssumeRoot session per step, each scoped to the narrowest task policy: audit the root
 * credentials, allow password recovery, and delete whatever root credentials exist. Only ids and counts leave here.
 */
import {
  CreateLoginProfileCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  GetAccountSummaryCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListSigningCertificatesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { type RootCredentialAudit } from '../contract/vending';
import { type AwsClients } from './aws-clients';
import { awsErrorName, describeAwsError } from './errors';

export function createRootAccessActivities(aws: AwsClients, now: () => Date = () => new Date()) {
  const audit = async (iam: IAMClient): Promise<RootCredentialAudit> => {
    const { SummaryMap = {} } = await iam.send(new GetAccountSummaryCommand({}));
    const [mfa, keys, certs] = await Promise.all([
      iam.send(new ListMFADevicesCommand({})),
      iam.send(new ListAccessKeysCommand({})),
      iam.send(new ListSigningCertificatesCommand({})),
    ]);
    return {
      auditedAt: now().toISOString(),
      passwordPresent: (SummaryMap.AccountPasswordPresent ?? 0) > 0,
      mfaDevices: mfa.MFADevices?.length ?? 0,
      accessKeys: keys.AccessKeyMetadata?.length ?? 0,
      signingCertificates: certs.Certificates?.length ?? 0,
    };
  };

  return {
    async auditRootCredentials(accountId: string): Promise<RootCredentialAudit> {
      return audit(await aws.rootSession(accountId, 'IAMAuditRootUserCredentials'));
    },

    /** CreateLoginProfile without user name or password: the root mailbox owner can now reset the password. */
    async allowRootPasswordRecovery(accountId: string): Promise<{ allowed: true }> {
      const iam = await aws.rootSession(accountId, 'IAMCreateRootUserPassword');
      try {
        await iam.send(new CreateLoginProfileCommand({}));
      } catch (err) {
        // A retry after a lost answer: recovery is already allowed.
        if (awsErrorName(err) !== 'EntityAlreadyExistsException') throw err;
      }
      return { allowed: true };
    },

    /**
     * Deletes every root credential (login profile, MFA, access keys, certificates); safe to repeat. One refusal
     * (an SCP, say) does not stop the others: the post-audit, not this call, judges whether the window is closed.
     */
    async deleteRootCredentials(accountId: string): Promise<{ deleted: string[]; refused: string[] }> {
      const iam = await aws.rootSession(accountId, 'IAMDeleteRootUserCredentials');
      const deleted: string[] = [];
      const refused: string[] = [];
      const ignoreMissing = async (what: string, op: () => Promise<unknown>) => {
        try {
          await op();
          deleted.push(what);
        } catch (err) {
          const name = awsErrorName(err);
          if (name === 'NoSuchEntityException') return;
          if (name === 'AccessDenied' || name === 'AccessDeniedException') {
            refused.push(`${what}: ${describeAwsError(err)}`);
            return;
          }
          throw err;
        }
      };
      const [mfa, keys, certs] = await Promise.all([
        iam.send(new ListMFADevicesCommand({})),
        iam.send(new ListAccessKeysCommand({})),
        iam.send(new ListSigningCertificatesCommand({})),
      ]);
      for (const device of mfa.MFADevices ?? []) {
        await ignoreMissing('mfa-device', () => iam.send(new DeactivateMFADeviceCommand({ SerialNumber: device.SerialNumber })));
      }
      for (const key of keys.AccessKeyMetadata ?? []) {
        await ignoreMissing('access-key', () => iam.send(new DeleteAccessKeyCommand({ AccessKeyId: key.AccessKeyId })));
      }
      for (const cert of certs.Certificates ?? []) {
        await ignoreMissing('signing-certificate', () =>
          iam.send(new DeleteSigningCertificateCommand({ CertificateId: cert.CertificateId })),
        );
      }
      await ignoreMissing('login-profile', () => iam.send(new DeleteLoginProfileCommand({})));
      return { deleted, refused };
    },
  };
}
