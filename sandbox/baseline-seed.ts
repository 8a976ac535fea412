/**
 * What the day-1 baseline needs in the seeded organization: Identity Center (moto's instance) with permission sets,
 * groups and the dev tokens' users, and service and resource control policies enabled on the root, with a few
 * policies to attach. The example blueprints (blueprints/*.yaml) name these.
 */
import { type Moto, MotoError } from './moto';

const ORG = 'AWSOrganizationsV20161128';
const SSO = 'SWBExternalService';
const IDENTITY_STORE = 'AWSIdentityStore';

export const SEEDED_PERMISSION_SETS = ['AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess'] as const;
export const SEEDED_GROUPS = ['Platform Admins', 'Developers', 'Security Auditors'] as const;
/** The dev tokens' users (client/api/auth.ts), so a requester's own access can be granted. */
export const SEEDED_USERS = ['alice', 'bob', 'carol'] as const;
export const SEEDED_POLICIES = {
  SERVICE_CONTROL_POLICY: {
    DenyLeavingOrganization: { Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' },
    DenyRootUserActions: { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } } },
  },
  RESOURCE_CONTROL_POLICY: {
    EnforceSecureTransport: {
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:*', 'sqs:*', 'kms:*', 'secretsmanager:*', 'sts:*'],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } },
    },
  },
} as const;

export async function seedBaseline(moto: Moto, rootId: string): Promise<void> {
  const { Instances } = await moto.json<{ Instances: { InstanceArn: string; IdentityStoreId: string }[] }>('sso', `${SSO}.ListInstances`, {});
  const { InstanceArn, IdentityStoreId } = Instances[0];
  for (const name of SEEDED_PERMISSION_SETS) {
    await moto.json('sso', `${SSO}.CreatePermissionSet`, { InstanceArn, Name: name, Description: `${name} (sandbox)` });
  }
  for (const name of SEEDED_GROUPS) await moto.json('identitystore', `${IDENTITY_STORE}.CreateGroup`, { IdentityStoreId, DisplayName: name });
  for (const name of SEEDED_USERS) {
    await moto.json('identitystore', `${IDENTITY_STORE}.CreateUser`, {
      IdentityStoreId,
      UserName: name,
      DisplayName: name,
      Name: { GivenName: name, FamilyName: 'Example' },
    });
  }
  for (const [type, policies] of Object.entries(SEEDED_POLICIES)) {
    try {
      await moto.json('organizations', `${ORG}.EnablePolicyType`, { RootId: rootId, PolicyType: type });
    } catch (err) {
      if (!(err instanceof MotoError && err.type.endsWith('PolicyTypeAlreadyEnabledException'))) throw err;
    }
    for (const [name, statement] of Object.entries(policies)) {
      await moto.json('organizations', `${ORG}.CreatePolicy`, {
        Name: name,
        Type: type,
        Description: `${name} (sandbox)`,
        Content: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }),
      });
    }
  }
}
