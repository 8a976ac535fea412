/**
 * IAM Identity Center account assignments as AWS runs them: CreateAccountAssignment answers IN_PROGRESS and the
 * assignment exists (in moto, so ListAccountAssignments shows it) only after `assignmentCreationMs` of AWS time;
 * DescribeAccountAssignmentCreationStatus and ListAccountAssignmentCreationStatus report the creations. Every
 * accepted creation is counted per assignment, so a test can show that nothing was created twice. The rest of
 * sso-admin (instances, permission sets, listing assignments) is moto's.
 */
import { randomUUID } from 'node:crypto';
import { wallMs, type SandboxContext } from './context';
import { isManagement } from './identity';
import { type AssignmentCreation } from './baseline-state';
import { type Principal } from './state';
import { epochSeconds, jsonError, jsonResult, type AwsRequest, type Reply } from './wire';

const SSO = 'SWBExternalService';

export function assignmentKey(targetId: string, permissionSetArn: string, principalType: string, principalId: string): string {
  return `${targetId}|${permissionSetArn}|${principalType}|${principalId}`;
}

function view(c: AssignmentCreation): Record<string, unknown> {
  return {
    RequestId: c.requestId,
    Status: c.status,
    TargetId: c.targetId,
    TargetType: 'AWS_ACCOUNT',
    PermissionSetArn: c.permissionSetArn,
    PrincipalType: c.principalType,
    PrincipalId: c.principalId,
    CreatedDate: epochSeconds(c.createdAt),
    ...(c.failureReason ? { FailureReason: c.failureReason } : {}),
  };
}

/** Creations whose time has come are made in moto and marked SUCCEEDED. */
async function settle(ctx: SandboxContext): Promise<void> {
  const now = Date.now();
  for (const c of ctx.state.baseline.assignmentCreations) {
    if (c.status !== 'IN_PROGRESS' || c.completeAt > now) continue;
    c.status = 'SUCCEEDED'; // first, so that a concurrent settle does not make it twice
    try {
      await ctx.moto.json('sso', `${SSO}.CreateAccountAssignment`, {
        InstanceArn: c.instanceArn,
        TargetId: c.targetId,
        TargetType: 'AWS_ACCOUNT',
        PermissionSetArn: c.permissionSetArn,
        PrincipalType: c.principalType,
        PrincipalId: c.principalId,
      });
    } catch (err) {
      c.status = 'FAILED';
      c.failureReason = (err as Error).message.slice(0, 200);
    }
  }
}

export async function handleIdentityCenter(ctx: SandboxContext, req: AwsRequest, principal: Principal): Promise<Reply> {
  await settle(ctx);
  const creations = ctx.state.baseline.assignmentCreations;
  switch (req.operation) {
    case 'CreateAccountAssignment': {
      if (!isManagement(ctx, principal)) return jsonError(req, 'AccessDeniedException', 'not authorized', 400);
      const b = req.json;
      const fields = ['InstanceArn', 'TargetId', 'PermissionSetArn', 'PrincipalType', 'PrincipalId'] as const;
      for (const f of fields) if (typeof b[f] !== 'string' || !(b[f] as string).length) return jsonError(req, 'ValidationException', `${f} is required`);
      if (b.TargetType !== 'AWS_ACCOUNT') return jsonError(req, 'ValidationException', 'TargetType must be AWS_ACCOUNT');
      if (b.PrincipalType !== 'USER' && b.PrincipalType !== 'GROUP') return jsonError(req, 'ValidationException', 'PrincipalType must be USER or GROUP');
      if (!ctx.state.accounts.has(String(b.TargetId))) return jsonError(req, 'ResourceNotFoundException', `account ${String(b.TargetId)} is not in the organization`);
      const now = Date.now();
      const creation: AssignmentCreation = {
        requestId: randomUUID(),
        instanceArn: String(b.InstanceArn),
        targetId: String(b.TargetId),
        permissionSetArn: String(b.PermissionSetArn),
        principalType: String(b.PrincipalType),
        principalId: String(b.PrincipalId),
        status: 'IN_PROGRESS',
        createdAt: now,
        completeAt: now + wallMs(ctx, ctx.settings().assignmentCreationMs),
      };
      creations.push(creation);
      const counts = ctx.state.baseline.counters.assignmentCreations;
      const key = assignmentKey(creation.targetId, creation.permissionSetArn, creation.principalType, creation.principalId);
      counts[key] = (counts[key] ?? 0) + 1;
      return jsonResult(req, { AccountAssignmentCreationStatus: view(creation) });
    }
    case 'DescribeAccountAssignmentCreationStatus': {
      const found = creations.find((c) => c.requestId === req.json.AccountAssignmentCreationRequestId);
      return found
        ? jsonResult(req, { AccountAssignmentCreationStatus: view(found) })
        : jsonError(req, 'ResourceNotFoundException', 'no account assignment creation with this request id');
    }
    case 'ListAccountAssignmentCreationStatus': {
      const status = (req.json.Filter as { Status?: string } | undefined)?.Status;
      const listed = creations.filter((c) => c.instanceArn === req.json.InstanceArn && (status === undefined || c.status === status));
      return jsonResult(req, { AccountAssignmentsCreationStatus: listed.map((c) => ({ RequestId: c.requestId, Status: c.status, CreatedDate: epochSeconds(c.createdAt) })) });
    }
    default:
      return ctx.moto.forward(req.method, req.path, req.headers, req.body);
  }
}
