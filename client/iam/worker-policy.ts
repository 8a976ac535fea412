/**
 * The worker's least-privilege IAM policy, rendered for the member role name it runs with (VEND_MEMBER_ROLE_NAME):
 * `vend iam-policy --member-role <name>` prints it; deploy/iam/worker-policy.json is the rendering for AWS's default
 * role. test/operations/iam-policy.test.ts checks it against the AWS calls the activities make.
 */
import { DEFAULT_MEMBER_ROLE_NAME } from '../../activities/aws-clients';

/** The IAM task policies the root window assumes root with (activities/root-access.ts), and nothing else. */
export const ROOT_TASK_POLICIES = ['IAMAuditRootUserCredentials', 'IAMCreateRootUserPassword', 'IAMDeleteRootUserCredentials'] as const;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** `memberRoleName` is validated by the caller (MemberRoleNameSchema); it goes into an ARN as it is. */
export function workerPolicy(memberRoleName: string = DEFAULT_MEMBER_ROLE_NAME): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OrganizationsReadForPreflightReconcileAndPlacement',
        Effect: 'Allow',
        Action: [
          'organizations:DescribeOrganization',
          'organizations:DescribeAccount',
          'organizations:DescribeCreateAccountStatus',
          'organizations:ListAccounts',
          'organizations:ListCreateAccountStatus',
          'organizations:ListOrganizationalUnitsForParent',
          'organizations:ListParents',
          'organizations:ListRoots',
          'organizations:ListTagsForResource',
        ],
        Resource: '*',
      },
      {
        Sid: 'OrganizationsCreateTagAndMoveAccounts',
        Effect: 'Allow',
        Action: ['organizations:CreateAccount', 'organizations:MoveAccount', 'organizations:TagResource'],
        Resource: '*',
      },
      {
        // Account closure (activities/account-closure.ts): quarantine (move, deny-all SCP, restored on cancel),
        // CloseAccount, and the account listing the organization directory publishes for the closure API.
        Sid: 'OrganizationsCloseAndQuarantineAccounts',
        Effect: 'Allow',
        Action: [
          'organizations:AttachPolicy',
          'organizations:CloseAccount',
          'organizations:DescribePolicy',
          'organizations:DetachPolicy',
          'organizations:ListAccountsForParent',
          'organizations:ListPoliciesForTarget',
        ],
        Resource: '*',
      },
      { Sid: 'CentralizedRootAccessPreflight', Effect: 'Allow', Action: ['iam:ListOrganizationsFeatures'], Resource: '*' },
      {
        Sid: 'AlternateContactsOfMemberAccounts',
        Effect: 'Allow',
        Action: ['account:PutAlternateContact'],
        Resource: 'arn:aws:account::*:account/o-*/*',
      },
      {
        Sid: 'BaselineIdentityCenterAssignments',
        Effect: 'Allow',
        Action: [
          'identitystore:GetGroupId',
          'identitystore:GetUserId',
          'sso:CreateAccountAssignment',
          'sso:DescribeAccountAssignmentCreationStatus',
          'sso:DescribePermissionSet',
          'sso:ListAccountAssignmentCreationStatus',
          'sso:ListAccountAssignments',
          'sso:ListInstances',
          'sso:ListPermissionSets',
        ],
        Resource: '*',
      },
      {
        Sid: 'BaselineRegionsAndContactsOfMemberAccounts',
        Effect: 'Allow',
        Action: [
          'account:EnableRegion',
          'account:GetAlternateContact',
          'account:GetContactInformation',
          'account:GetRegionOptStatus',
          'account:ListRegions',
          'account:PutContactInformation',
        ],
        Resource: 'arn:aws:account::*:account/o-*/*',
      },
      {
        Sid: 'BaselineGuardrails',
        Effect: 'Allow',
        Action: ['organizations:AttachPolicy', 'organizations:ListPolicies', 'organizations:ListPoliciesForTarget'],
        Resource: '*',
      },
      {
        Sid: 'LookInsideNewAccountsThroughTheirAccessRole',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: `arn:aws:iam::*:role/${memberRoleName}`,
      },
      {
        Sid: 'RootSessionsOnlyForTheThreeIamTaskPolicies',
        Effect: 'Allow',
        Action: ['sts:AssumeRoot'],
        // The member accounts' root users only; the condition limits what a root session may do.
        Resource: 'arn:aws:iam::*:root',
        Condition: {
          StringEquals: { 'sts:TaskPolicyArn': ROOT_TASK_POLICIES.map((name) => `arn:aws:iam::aws:policy/root-task/${name}`) },
        },
      },
    ],
  };
}

/** The policy as the CLI prints it and deploy/iam/worker-policy.json holds it. */
export function renderWorkerPolicy(memberRoleName?: string): string {
  return `${JSON.stringify(workerPolicy(memberRoleName), null, 2)}\n`;
}
