/** What every /v1 route receives, and the principal the auth hook attached to the request. */
import { type GuardianFindingsReader, type VendingClient } from '../../temporal';
import { type FastifyRequest } from 'fastify';
import { type BaselinePolicyOverrides } from '../../../contract/baseline';
import { type PolicyOverrides } from '../../../contract/policy';
import { type BlueprintCatalog } from '../../blueprint-catalog';
import { type DecisionSigner } from '../../decision-signer';
import { type OrganizationDirectoryReader } from '../../organization-directory';
import { type Principal } from '../auth';
import { ApiError } from '../errors';

export interface RouteContext {
  temporal: VendingClient;
  taskQueue: string;
  policy: PolicyOverrides;
  signer: DecisionSigner;
  idempotencyWindowMs: number;
  /** The organization's OUs as the worker last listed them (a new request's OU is checked against it). */
  organizationDirectory: OrganizationDirectoryReader;
  blueprints: BlueprintCatalog;
  baselinePolicy: BaselinePolicyOverrides;
  /** What the root-window guardian found, one visibility list shared by every read for a moment. */
  guardianFindings: GuardianFindingsReader;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Approvers and operators read every request; a requester only their own. */
export function readsEveryRequest(principal: Principal): boolean {
  return principal.roles.includes('approver') || principal.roles.includes('operator');
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(401, 'UNAUTHENTICATED', 'an Authorization: Bearer <token> header is required');
  return request.principal;
}
