/**
 * Helpers for tests (and the safety harness) that drive account closures: the organization a closure needs, an
 * account's placement (what quarantine changes and a cancel restores), closures started and decided through the API's
 * own client functions, and the closure invariants as checks.
 *
 * The invariants (every one must hold after any sequence of closure commands, crashes and restarts):
 *   1. never a closed account that was not approved: every account the sandbox saw CloseAccount for has a closure
 *      workflow whose recorded decision is `approve`, by someone other than the one who asked
 *      (`assertEveryClosedAccountApproved`);
 *   2. never the management account, never an account in (or below) a protected OU: CloseAccount was never accepted
 *      for them, and they were never quarantined (`assertNothingProtectedClosed`);
 *   3. a cancel in the grace period restores the account: its parent and its directly attached SCPs are those it had
 *      before quarantine (`assertRestored`), and CloseAccount was never sent for it.
 * Commands a harness can issue: `startClosureFor` (as the API starts one), `decideClosureAs`, `cancelClosureAs`,
 * Temporal cancel/terminate of `close-<account id>`, worker kills; and read `closureStatus`, `placementOf`.
 */
import { type WorkflowHandle } from '@temporalio/client';
import {
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  ListParentsCommand,
  paginateListPoliciesForTarget,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { type AwsClients } from '../../activities/aws-clients';
import { type ClosureApiConfig } from '../../client/api/closure-config';
import { cancelClosure, decideClosure, describeClosure, startClosure, type StartClosureInput } from '../../client/closure';
import { type Actor } from '../../client/temporal';
import { closureIdForAccount, closureStatusQuery, type ClosureDecision, type ClosureStatus } from '../../contract/closure';
import { type ClosurePolicyOverrides } from '../../contract/closure-policy';
import { isTerminalClosureStage, type ClosureStage } from '../../contract/stages';
import { type RunningSandbox } from '../../sandbox';
import { type TestEnv } from './env';
import { waitFor } from './http';
import { requestAccount, sandboxControl, waitForStage } from './vending';

/** Fast closure timings for tests, inside the policy's bounds. */
export const TEST_CLOSURE_POLICY: ClosurePolicyOverrides = {
  activityAttemptTimeoutMs: 15_000,
  decisionDeadlineMs: 120_000,
  decisionReminderIntervalMs: 60_000,
  gracePeriodMs: 1_500,
  slotWaitMs: 5_000,
  slotDeadlineMs: 300_000,
  closurePollIntervalMs: 200,
  suspendedDeadlineMs: 60_000,
  reopenWindowMs: 10_000,
  reopenReminderBeforeMs: 5_000,
};

export interface ClosureOrganization {
  quarantineOuId: string;
  protectedOuId: string;
  /** An OU below the protected one: protected too. */
  nestedProtectedOuId: string;
  denyAllPolicyId: string;
  config: Partial<ClosureApiConfig>;
}

/** OUs `Suspended` (quarantine), `Protected` and `Protected/Core`, and a deny-all SCP: what a closure test needs. */
export async function prepareClosureOrganization(aws: AwsClients, sandbox: RunningSandbox): Promise<ClosureOrganization> {
  const org = aws.organizations;
  const { rootId } = sandbox.organization;
  const ou = async (ParentId: string, Name: string) => (await org.send(new CreateOrganizationalUnitCommand({ ParentId, Name }))).OrganizationalUnit!.Id!;
  const quarantineOuId = await ou(rootId, 'Suspended');
  const protectedOuId = await ou(rootId, 'Protected');
  const nestedProtectedOuId = await ou(protectedOuId, 'Core');
  const policy = await org.send(
    new CreatePolicyCommand({
      Name: 'quarantine-deny-all',
      Description: 'Denies everything while an account waits to be closed',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }),
    }),
  );
  const denyAllPolicyId = policy.Policy!.PolicySummary!.Id!;
  return {
    quarantineOuId,
    protectedOuId,
    nestedProtectedOuId,
    denyAllPolicyId,
    config: { quarantineOrganizationalUnit: 'Suspended', denyAllPolicyId, protectedOrganizationalUnits: ['Protected'] },
  };
}

export interface Placement {
  parentId: string;
  policyIds: string[];
}

/** Where the account sits and which SCPs are attached to it directly. */
export async function placementOf(org: OrganizationsClient, accountId: string): Promise<Placement> {
  const { Parents } = await org.send(new ListParentsCommand({ ChildId: accountId }));
  const policyIds: string[] = [];
  for await (const page of paginateListPoliciesForTarget({ client: org }, { TargetId: accountId, Filter: 'SERVICE_CONTROL_POLICY' })) {
    for (const p of page.Policies ?? []) policyIds.push(p.Id!);
  }
  return { parentId: Parents![0].Id!, policyIds: policyIds.sort() };
}

/** A completed vending request of `requester`'s; the account id. */
export async function vendedAccount(env: TestEnv, email: string, requester = 'alice'): Promise<string> {
  const handle = await requestAccount(env, { email }, { requester });
  const done = await waitForStage(handle, 'completed', 60_000);
  return done.accountId!;
}

/** Starts a closure the way the API does after its checks (tests that need a policy of their own start it here). */
export async function startClosureFor(
  env: TestEnv,
  org: ClosureOrganization,
  accountId: string,
  opts: Partial<Omit<StartClosureInput, 'policy'>> & { policy?: ClosurePolicyOverrides } = {},
): Promise<WorkflowHandle> {
  const outcome = await startClosure(env.client, {
    accountId,
    reason: 'no longer needed',
    requester: 'alice',
    requesterRoles: ['requester'],
    owner: 'alice',
    adopted: false,
    quarantine: { organizationalUnitId: org.quarantineOuId, denyAllPolicyId: org.denyAllPolicyId },
    protectedOrganizationalUnitIds: [org.protectedOuId, org.nestedProtectedOuId],
    decisionKeys: env.signer.publicKeys(),
    taskQueue: env.taskQueue,
    ...opts,
    policy: { ...TEST_CLOSURE_POLICY, ...opts.policy },
  });
  if (!outcome.started) throw new Error(`closure not started: ${outcome.id} is at ${outcome.stage}`);
  return env.client.workflow.getHandle(outcome.id);
}

export async function decideClosureAs(env: TestEnv, accountId: string, actor: Actor, decision: ClosureDecision, reason = `${decision} by ${actor.user}`) {
  const facts = await describeClosure(env.client, closureIdForAccount(accountId));
  if (!facts) throw new Error(`no closure of ${accountId}`);
  return decideClosure(env.client, env.signer, facts, actor, { decision, reason });
}

export async function cancelClosureAs(env: TestEnv, accountId: string, actor: Actor, reason = `cancelled by ${actor.user}`) {
  const facts = await describeClosure(env.client, closureIdForAccount(accountId));
  if (!facts) throw new Error(`no closure of ${accountId}`);
  return cancelClosure(env.client, env.signer, facts, actor, reason);
}

export async function closureStatus(env: TestEnv, accountId: string): Promise<ClosureStatus> {
  return env.client.workflow.getHandle(closureIdForAccount(accountId)).query(closureStatusQuery);
}

export async function waitForClosureStage(env: TestEnv, accountId: string, stage: ClosureStage, timeoutMs = 60_000): Promise<ClosureStatus> {
  return waitFor(
    `closure of ${accountId} at ${stage}`,
    async () => {
      const status = await closureStatus(env, accountId);
      if (status.stage === stage) return status;
      if (isTerminalClosureStage(status.stage)) throw new Error(`ended at ${status.stage} instead of ${stage}: ${status.timeline.at(-1)?.note}`);
      return undefined;
    },
    timeoutMs,
  );
}

// ---- invariants ----------------------------------------------------------------------------------------------------

interface SandboxClosures {
  accounts: { accountId: string; state: string }[];
}

async function sandboxClosures(env: TestEnv): Promise<SandboxClosures> {
  return (await sandboxControl(env, 'GET', '/state')).body.accountClosures as SandboxClosures;
}

/** Invariant 1: every account AWS (the sandbox) accepted CloseAccount for was approved by someone who did not ask. */
export async function assertEveryClosedAccountApproved(env: TestEnv): Promise<number> {
  const { accounts } = await sandboxClosures(env);
  for (const { accountId } of accounts) {
    const status = await closureStatus(env, accountId);
    if (status.decision?.decision !== 'approve') throw new Error(`account ${accountId} was closed without an approval (decision ${JSON.stringify(status.decision)})`);
    if (status.decision.decidedBy === status.requester) throw new Error(`account ${accountId} was closed on its requester's own approval`);
  }
  return accounts.length;
}

/** Invariant 2: neither the management account nor an account in a protected OU was closed or quarantined. */
export async function assertNothingProtectedClosed(env: TestEnv, org: ClosureOrganization, protectedAccounts: string[]): Promise<void> {
  const { accounts } = await sandboxClosures(env);
  const closed = new Set(accounts.map((a) => a.accountId));
  for (const id of [env.sandbox.organization.managementAccountId, ...protectedAccounts]) {
    if (closed.has(id)) throw new Error(`protected account ${id} was closed`);
    if (id === env.sandbox.organization.managementAccountId) continue;
    const { parentId } = await placementOf(env.aws.organizations, id);
    if (parentId === org.quarantineOuId) throw new Error(`protected account ${id} was quarantined`);
  }
}

/** Invariant 3: the account is where it was and has the SCPs it had. */
export function assertRestored(before: Placement, after: Placement): void {
  if (before.parentId !== after.parentId || JSON.stringify(before.policyIds) !== JSON.stringify(after.policyIds)) {
    throw new Error(`not restored: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
  }
}

