/**
 * Baseline step `identity-center`: groups and users get permission sets on the new account. One activity that
 * reconciles on every attempt and is retried as its own poll: assignments already there are done, creations AWS is
 * still running are waited for, only the rest are created. A worker killed between CreateAccountAssignment and its
 * answer therefore never creates an assignment twice: the next attempt finds the creation in progress (or done).
 */
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribePermissionSetCommand,
  ListInstancesCommand,
  paginateListAccountAssignmentCreationStatus,
  paginateListAccountAssignments,
  paginateListPermissionSets,
  type PrincipalType,
} from '@aws-sdk/client-sso-admin';
import { GetGroupIdCommand, GetUserIdCommand } from '@aws-sdk/client-identitystore';
import { type AwsClients } from './aws-clients';
import { awsErrorName, describeAwsError, nonRetryable, retryable } from './errors';
import { classify } from './errors';

export interface AssignmentSpec {
  group?: string;
  user?: string;
  permissionSet: string;
}

export interface AssignAccessInput {
  accountId: string;
  assignments: AssignmentSpec[];
  /** The requester's user name and permission set, when the blueprint grants the requester access. */
  requester?: { userName: string; permissionSet: string };
  /** Poll interval of the creations in progress (the activity's retry delay). */
  pollIntervalMs: number;
}

export interface AssignAccessResult {
  assignments: number;
  outcome: string;
}

interface Wanted {
  label: string;
  principalType: PrincipalType;
  principalId: string;
  permissionSetArn: string;
}

export function createIdentityCenterActivities(aws: AwsClients) {
  return {
    async assignAccountAccess(input: AssignAccessInput): Promise<AssignAccessResult> {
      const instance = await theInstance(aws);
      const permissionSets = await permissionSetsByName(aws, instance.arn);
      const specs = [
        ...input.assignments,
        ...(input.requester ? [{ user: input.requester.userName, permissionSet: input.requester.permissionSet }] : []),
      ];
      const wanted: Wanted[] = [];
      for (const spec of specs) {
        const permissionSetArn = permissionSets.get(spec.permissionSet);
        if (!permissionSetArn) throw nonRetryable('BaselineStepInvalid', `Identity Center has no permission set named "${spec.permissionSet}"`);
        const principalType: PrincipalType = spec.group !== undefined ? 'GROUP' : 'USER';
        const name = (spec.group ?? spec.user) as string;
        const principalId = await principalIdOf(aws, instance.identityStoreId, principalType, name);
        wanted.push({ label: `${principalType === 'GROUP' ? 'group' : 'user'} "${name}" -> ${spec.permissionSet}`, principalType, principalId, permissionSetArn });
      }

      // Reconcile: what is assigned, and what AWS is still creating (from any earlier attempt).
      const assigned = new Set<string>();
      for (const arn of new Set(wanted.map((w) => w.permissionSetArn))) {
        try {
          for await (const page of paginateListAccountAssignments({ client: aws.ssoAdmin }, { InstanceArn: instance.arn, AccountId: input.accountId, PermissionSetArn: arn })) {
            for (const a of page.AccountAssignments ?? []) assigned.add(key(arn, a.PrincipalType, a.PrincipalId));
          }
        } catch (err) {
          throw classify(err, 'ListAccountAssignments');
        }
      }
      const inProgress = await creationsInProgress(aws, instance.arn, input.accountId);
      let created = 0;
      let waiting = 0;
      for (const w of wanted) {
        const k = key(w.permissionSetArn, w.principalType, w.principalId);
        if (assigned.has(k)) continue;
        waiting++;
        if (inProgress.has(k)) continue;
        try {
          const { AccountAssignmentCreationStatus: status } = await aws.ssoAdmin.send(
            new CreateAccountAssignmentCommand({
              InstanceArn: instance.arn,
              TargetId: input.accountId,
              TargetType: 'AWS_ACCOUNT',
              PermissionSetArn: w.permissionSetArn,
              PrincipalType: w.principalType,
              PrincipalId: w.principalId,
            }),
          );
          created++;
          if (status?.Status === 'FAILED') throw new Error(`CreateAccountAssignment ${w.label} failed: ${status.FailureReason ?? 'no reason given'}`);
        } catch (err) {
          // Another creation of the same assignment is running (ours, from an attempt AWS had not listed yet).
          if (awsErrorName(err) === 'ConflictException') continue;
          if (awsErrorName(err) === 'ResourceNotFoundException') throw nonRetryable('BaselineStepInvalid', `CreateAccountAssignment ${w.label}: ${describeAwsError(err)}`);
          throw classify(err, `CreateAccountAssignment ${w.label}`);
        }
      }
      if (waiting > 0) {
        throw retryable('BaselineInProgress', `${waiting} of ${wanted.length} assignments in progress (${created} created now)`, input.pollIntervalMs);
      }
      const outcome = `${wanted.length} assignment(s) in place: ${wanted.map((w) => w.label).join('; ')}`;
      return { assignments: wanted.length, outcome };
    },
  };
}

function key(permissionSetArn: string, principalType: string | undefined, principalId: string | undefined): string {
  return `${permissionSetArn}|${principalType}|${principalId}`;
}

async function theInstance(aws: AwsClients): Promise<{ arn: string; identityStoreId: string }> {
  let instances;
  try {
    instances = (await aws.ssoAdmin.send(new ListInstancesCommand({}))).Instances ?? [];
  } catch (err) {
    throw classify(err, 'ListInstances');
  }
  const instance = instances.find((i) => i.InstanceArn && i.IdentityStoreId);
  if (!instance) throw nonRetryable('BaselineStepInvalid', 'the organization has no IAM Identity Center instance: enable Identity Center first');
  return { arn: instance.InstanceArn as string, identityStoreId: instance.IdentityStoreId as string };
}

async function permissionSetsByName(aws: AwsClients, instanceArn: string): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  try {
    for await (const page of paginateListPermissionSets({ client: aws.ssoAdmin }, { InstanceArn: instanceArn })) {
      for (const arn of page.PermissionSets ?? []) {
        const { PermissionSet } = await aws.ssoAdmin.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }));
        if (PermissionSet?.Name) byName.set(PermissionSet.Name, arn);
      }
    }
  } catch (err) {
    throw classify(err, 'ListPermissionSets');
  }
  return byName;
}

async function principalIdOf(aws: AwsClients, identityStoreId: string, type: PrincipalType, name: string): Promise<string> {
  try {
    if (type === 'GROUP') {
      const { GroupId } = await aws.identityStore.send(
        new GetGroupIdCommand({ IdentityStoreId: identityStoreId, AlternateIdentifier: { UniqueAttribute: { AttributePath: 'displayName', AttributeValue: name } } }),
      );
      if (GroupId) return GroupId;
    } else {
      const { UserId } = await aws.identityStore.send(
        new GetUserIdCommand({ IdentityStoreId: identityStoreId, AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: name } } }),
      );
      if (UserId) return UserId;
    }
  } catch (err) {
    if (awsErrorName(err) !== 'ResourceNotFoundException') throw classify(err, type === 'GROUP' ? 'GetGroupId' : 'GetUserId');
  }
  throw nonRetryable('BaselineStepInvalid', `the identity store has no ${type === 'GROUP' ? 'group with display name' : 'user with user name'} "${name}"`);
}

/** Creations AWS is running for this account, by assignment (ListAccountAssignmentCreationStatus names none: describe each). */
async function creationsInProgress(aws: AwsClients, instanceArn: string, accountId: string): Promise<Set<string>> {
  const running = new Set<string>();
  try {
    for await (const page of paginateListAccountAssignmentCreationStatus({ client: aws.ssoAdmin }, { InstanceArn: instanceArn, Filter: { Status: 'IN_PROGRESS' } })) {
      for (const meta of page.AccountAssignmentsCreationStatus ?? []) {
        if (!meta.RequestId) continue;
        const { AccountAssignmentCreationStatus: s } = await aws.ssoAdmin.send(
          new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: instanceArn, AccountAssignmentCreationRequestId: meta.RequestId }),
        );
        if (s?.Status === 'IN_PROGRESS' && s.TargetId === accountId && s.PermissionSetArn) running.add(key(s.PermissionSetArn, s.PrincipalType, s.PrincipalId));
      }
    }
  } catch (err) {
    throw classify(err, 'ListAccountAssignmentCreationStatus');
  }
  return running;
}
