/**
 * Centralized root access: `sts:AssumeRoot` into member accounts with one of AWS's root-task policies, the IAM calls
 * a root session may make (per task policy), per-account root credentials (login profile, MFA, access keys,
 * signing certificates) and `iam:ListOrganizationsFeatures` with its enable/disable calls. moto has none of this.
 */
import { randomBytes } from 'node:crypto';
import { ROOT_SESSION_MAX_SECONDS } from '../contract/aws-quotas';
import { type SandboxContext } from './context';
import { isManagement } from './identity';
import { type Principal, type RootCredentials } from './state';
import { queryError, queryResult, RawXml, type AwsRequest, type Reply } from './wire';

export const ROOT_TASK_POLICY_PREFIX = 'arn:aws:iam::aws:policy/root-task/';

const AUDIT = ['ListAccessKeys', 'ListSigningCertificates', 'GetLoginProfile', 'ListMFADevices', 'GetAccountSummary', 'GetUser', 'GetAccessKeyLastUsed'];

/** IAM actions each root-task policy allows (AWS managed policies; S3/SQS unlock allow no IAM calls). */
export const ROOT_TASK_POLICIES: Readonly<Record<string, readonly string[]>> = {
  IAMAuditRootUserCredentials: AUDIT,
  IAMCreateRootUserPassword: ['CreateLoginProfile', 'GetLoginProfile'],
  IAMDeleteRootUserCredentials: ['DeleteLoginProfile', 'DeactivateMFADevice', 'DeleteAccessKey', 'DeleteSigningCertificate', ...AUDIT],
  S3UnlockBucketPolicy: [],
  SQSUnlockQueuePolicy: [],
};

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomString(length: number, alphabet = ALNUM): string {
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

function validationError(req: AwsRequest, message: string): Reply {
  return queryError(req, 'ValidationError', message, 400);
}

export function assumeRoot(ctx: SandboxContext, req: AwsRequest, principal: Principal): Reply {
  // Real AWS answers AssumeRoot on sts.amazonaws.com as if the action did not exist.
  if (req.globalEndpoint) return queryError(req, 'InvalidAction', 'Unknown Operation', 400);
  const target = req.query.get('TargetPrincipal') ?? '';
  const taskPolicyArn = req.query.get('TaskPolicyArn.arn') ?? '';
  const durationText = req.query.get('DurationSeconds');
  if (!target) return validationError(req, "1 validation error detected: Value null at 'targetPrincipal' failed to satisfy constraint: Member must not be null");
  if (!taskPolicyArn) return validationError(req, "1 validation error detected: Value null at 'taskPolicyArn' failed to satisfy constraint: Member must not be null");
  const duration = durationText === null ? ROOT_SESSION_MAX_SECONDS : Number(durationText);
  if (!Number.isInteger(duration) || duration < 0 || duration > ROOT_SESSION_MAX_SECONDS) {
    return validationError(
      req,
      `1 validation error detected: Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${ROOT_SESSION_MAX_SECONDS}`,
    );
  }
  const denied = (why: string) =>
    queryError(req, 'AccessDenied', `User: ${principal.arn} is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${target}:root${why ? ` (${why})` : ''}`, 403);
  if (!isManagement(ctx, principal)) return denied('only the management account or the IAM delegated administrator may call AssumeRoot');
  const policyName = taskPolicyArn.startsWith(ROOT_TASK_POLICY_PREFIX) ? taskPolicyArn.slice(ROOT_TASK_POLICY_PREFIX.length) : '';
  if (!(policyName in ROOT_TASK_POLICIES)) {
    return validationError(req, `The TaskPolicyArn ${taskPolicyArn} is not a supported root task policy.`);
  }
  if (!ctx.state.rootSessions) return denied('root sessions are not enabled for the organization');
  // Only member accounts of the organization are valid targets (not the management account itself).
  if (!ctx.state.accounts.has(target)) return denied('');

  const accessKeyId = `ASIA${randomString(16)}`;
  const expiresAt = Date.now() + duration * 1000;
  ctx.state.principals.set(accessKeyId, {
    accountId: target,
    kind: 'root-session',
    arn: `arn:aws:iam::${target}:root`,
    taskPolicyArn,
    expiresAt,
  });
  return queryResult(req, {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: randomString(40, ALNUM + 'abcdefghijklmnopqrstuvwxyz'),
      SessionToken: `sandbox-root-session/${randomString(64, ALNUM + 'abcdefghijklmnopqrstuvwxyz')}`,
      Expiration: new Date(expiresAt),
    },
    SourceIdentity: undefined,
  });
}

/** IAM: root sessions and the organization root-access features are ours; everything else is moto's. */
export async function handleIam(ctx: SandboxContext, req: AwsRequest, principal: Principal): Promise<Reply> {
  if (principal.kind === 'root-session') return rootSessionIam(ctx, req, principal);
  switch (req.operation) {
    case 'ListOrganizationsFeatures':
    case 'EnableOrganizationsRootCredentialsManagement':
    case 'EnableOrganizationsRootSessions':
    case 'DisableOrganizationsRootCredentialsManagement':
    case 'DisableOrganizationsRootSessions':
      return organizationsFeatures(ctx, req, principal);
    default:
      return ctx.moto.forward(req.method, req.path, req.headers, req.body);
  }
}

function organizationsFeatures(ctx: SandboxContext, req: AwsRequest, principal: Principal): Reply {
  if (!isManagement(ctx, principal)) {
    return queryError(
      req,
      'AccountNotManagementOrDelegatedAdministratorException',
      'The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.',
      400,
    );
  }
  const s = ctx.state;
  switch (req.operation) {
    case 'EnableOrganizationsRootCredentialsManagement':
      s.rootCredentialsManagement = true;
      break;
    case 'EnableOrganizationsRootSessions':
      s.rootSessions = true;
      break;
    case 'DisableOrganizationsRootCredentialsManagement':
      s.rootCredentialsManagement = false;
      break;
    case 'DisableOrganizationsRootSessions':
      s.rootSessions = false;
      break;
  }
  const enabled = [
    ...(s.rootCredentialsManagement ? ['RootCredentialsManagement'] : []),
    ...(s.rootSessions ? ['RootSessions'] : []),
  ];
  return queryResult(req, { OrganizationId: ctx.organization().organizationId, EnabledFeatures: enabled });
}

function noSuchEntity(req: AwsRequest, message: string): Reply {
  return queryError(req, 'NoSuchEntity', message, 404);
}

function rootSessionIam(ctx: SandboxContext, req: AwsRequest, principal: Principal): Reply {
  if (principal.expiresAt !== undefined && Date.now() > principal.expiresAt) {
    return queryError(req, 'ExpiredToken', 'The security token included in the request is expired', 403);
  }
  const policyName = (principal.taskPolicyArn ?? '').slice(ROOT_TASK_POLICY_PREFIX.length);
  const allowed = ROOT_TASK_POLICIES[policyName] ?? [];
  const op = req.operation;
  const accountId = principal.accountId;
  if (!allowed.includes(op)) {
    return queryError(
      req,
      'AccessDenied',
      `User: ${principal.arn} is not authorized to perform: iam:${op} on resource: arn:aws:iam::${accountId}:root because no session policy allows the iam:${op} action`,
      403,
    );
  }
  const creds = ctx.state.rootCredentialsOf(accountId);
  const q = req.query;
  if (creds.deletionDeniedByScp && /^(Delete|Deactivate)/.test(op)) {
    return queryError(
      req,
      'AccessDenied',
      `User: ${principal.arn} is not authorized to perform: iam:${op} on resource: arn:aws:iam::${accountId}:root with an explicit deny in a service control policy`,
      403,
    );
  }
  switch (op) {
    case 'GetUser':
      return queryResult(req, {
        User: { UserId: accountId, Arn: `arn:aws:iam::${accountId}:root`, CreateDate: new Date(ctx.state.accounts.get(accountId)?.createdAt ?? Date.now()) },
      });
    case 'GetAccountSummary':
      return queryResult(req, { SummaryMap: summaryMap(creds) });
    case 'GetLoginProfile':
      if (!creds.loginProfile) return noSuchEntity(req, 'Login Profile for User root cannot be found.');
      return queryResult(req, { LoginProfile: { CreateDate: new Date(creds.loginProfile.createdAt), PasswordResetRequired: false } });
    case 'CreateLoginProfile':
      // In a root session: no UserName, no Password. It allows password recovery for the root mailbox owner.
      if (q.get('UserName') || q.get('Password')) {
        return validationError(req, 'UserName and Password must not be specified when creating a root login profile in a root session.');
      }
      if (creds.loginProfile) return queryError(req, 'EntityAlreadyExists', 'Login Profile for User root already exists.', 409);
      creds.loginProfile = { createdAt: Date.now() };
      return queryResult(req, { LoginProfile: { CreateDate: new Date(creds.loginProfile.createdAt), PasswordResetRequired: false } });
    case 'DeleteLoginProfile':
      if (!creds.loginProfile) return noSuchEntity(req, 'Login Profile for User root cannot be found.');
      creds.loginProfile = undefined;
      return queryResult(req);
    case 'ListMFADevices':
      return queryResult(req, {
        MFADevices: creds.mfaDevices.map((d) => ({ SerialNumber: d.serialNumber, EnableDate: new Date(d.enabledAt) })),
        IsTruncated: false,
      });
    case 'DeactivateMFADevice': {
      const serial = q.get('SerialNumber');
      const index = creds.mfaDevices.findIndex((d) => d.serialNumber === serial);
      if (index < 0) return noSuchEntity(req, `MFA Device with serial number ${serial} does not exist.`);
      creds.mfaDevices.splice(index, 1);
      return queryResult(req);
    }
    case 'ListAccessKeys':
      return queryResult(req, {
        AccessKeyMetadata: creds.accessKeys.map((k) => ({ AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: new Date(k.createdAt) })),
        IsTruncated: false,
      });
    case 'GetAccessKeyLastUsed': {
      const key = creds.accessKeys.find((k) => k.accessKeyId === q.get('AccessKeyId'));
      if (!key) return noSuchEntity(req, `The Access Key with id ${q.get('AccessKeyId')} cannot be found.`);
      return queryResult(req, { AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
    }
    case 'DeleteAccessKey': {
      const index = creds.accessKeys.findIndex((k) => k.accessKeyId === q.get('AccessKeyId'));
      if (index < 0) return noSuchEntity(req, `The Access Key with id ${q.get('AccessKeyId')} cannot be found.`);
      creds.accessKeys.splice(index, 1);
      return queryResult(req);
    }
    case 'ListSigningCertificates':
      return queryResult(req, {
        Certificates: creds.signingCertificates.map((c) => ({
          CertificateId: c.certificateId,
          CertificateBody: c.body,
          Status: c.status,
          UploadDate: new Date(c.uploadedAt),
        })),
        IsTruncated: false,
      });
    case 'DeleteSigningCertificate': {
      const index = creds.signingCertificates.findIndex((c) => c.certificateId === q.get('CertificateId'));
      if (index < 0) return noSuchEntity(req, `The Certificate with id ${q.get('CertificateId')} cannot be found.`);
      creds.signingCertificates.splice(index, 1);
      return queryResult(req);
    }
    default:
      return queryError(req, 'AccessDenied', `iam:${op} is not available in a root session of the sandbox`, 403);
  }
}

/** IAM's SummaryMap is an XML map: `<entry><key>..</key><value>..</value></entry>`. */
function summaryMap(creds: RootCredentials): RawXml {
  const entries: [string, number][] = [
    ['AccountMFAEnabled', creds.mfaDevices.length > 0 ? 1 : 0],
    ['AccountAccessKeysPresent', creds.accessKeys.length > 0 ? 1 : 0],
    ['AccountSigningCertificatesPresent', creds.signingCertificates.length > 0 ? 1 : 0],
    ['AccountPasswordPresent', creds.loginProfile ? 1 : 0],
  ];
  return new RawXml(entries.map(([k, v]) => `<entry><key>${k}</key><value>${v}</value></entry>`).join(''));
}

/** For the control API: plants root credentials so tests can exercise their deletion. */
export function plantRootCredentials(
  creds: RootCredentials,
  plant: { loginProfile?: boolean; mfaDevices?: number; accessKeys?: number; signingCertificates?: number; denyDeletion?: boolean },
  accountId: string,
): void {
  const now = Date.now();
  if (plant.denyDeletion !== undefined) creds.deletionDeniedByScp = plant.denyDeletion;
  if (plant.loginProfile) creds.loginProfile ??= { createdAt: now };
  for (let i = 0; i < (plant.mfaDevices ?? 0); i++) {
    creds.mfaDevices.push({ serialNumber: `arn:aws:iam::${accountId}:mfa/root-account-mfa-device-${randomString(6)}`, enabledAt: now });
  }
  for (let i = 0; i < (plant.accessKeys ?? 0); i++) {
    creds.accessKeys.push({ accessKeyId: `AKIA${randomString(16)}`, status: 'Active', createdAt: now });
  }
  for (let i = 0; i < (plant.signingCertificates ?? 0); i++) {
    creds.signingCertificates.push({
      certificateId: randomString(32),
      body: '-----BEGIN CERTIFICATE-----\nSANDBOX\n-----END CERTIFICATE-----',
      status: 'Active',
      uploadedAt: now,
    });
  }
}
