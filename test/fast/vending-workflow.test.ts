/**
 * The vending workflow's stage machine on the time-skipping test server, with a fake organization behind its
 * activities (test/fast/support/fake-organization.ts): the paths a request can take and what each one did, in
 * seconds. Requests start through the API's own input builder (startVending: today's defaults, the signer's public
 * keys) and decisions are signed by the API's signer; the workflow verifies them as it does in production. The same
 * paths against the sandbox, slower, are in test/vending/.
 */
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { randomDecisionSigner } from '../../client/decision-signer';
import { decide, describeRequest, startVending, type Actor } from '../../client/temporal';
import { NewAccountRequestSchema } from '../../contract/request';
import { decideUpdate, decisionAct, statusQuery, type DecisionInput, type VendingResult } from '../../contract/vending';
import { BOB, CAROL } from '../support/vending';
import { FakeOrganization, ROOT_ACTIVITIES, type AccountProfile } from './support/fake-organization';
import { stageReached, startTimeSkippingVending, type TimeSkippingVending } from './support/time-skipping-vending';

const DAY = 24 * 3_600_000;
const signer = randomDecisionSigner();
const org = new FakeOrganization();
let env: TimeSkippingVending;

beforeAll(async () => {
  env = await startTimeSkippingVending(org);
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

/** A request as POST /v1/account-requests starts it: the body validated, today's defaults, the API's public keys. */
async function requestAccount(email: string, profile: AccountProfile, requester: Actor = { user: 'alice', roles: ['requester'] }): Promise<WorkflowHandle> {
  org.willCreate(email, profile);
  const outcome = await startVending(env.client, {
    request: NewAccountRequestSchema.parse({ accountName: email.split('@')[0], email, organizationalUnit: 'Workloads' }),
    requester: requester.user,
    requesterRoles: requester.roles,
    policy: {},
    decisionKeys: signer.publicKeys(),
    taskQueue: env.taskQueue,
  });
  if (!outcome.started) throw new Error(`not started: ${outcome.reason}`);
  return env.client.workflow.getHandle(outcome.id);
}

/** The result, with time skipped while it is awaited (the test environment's client does that). */
function resultOf(handle: WorkflowHandle): Promise<VendingResult> {
  return env.testEnv.client.workflow.result(handle.workflowId) as Promise<VendingResult>;
}

/** A decision as POST .../decision makes it: signed by the API's signer for the request's current run. */
async function decideAs(handle: WorkflowHandle, actor: Actor, decision: DecisionInput['decision'], reason: string) {
  const facts = await describeRequest(env.client, handle.workflowId);
  return decide(env.client, signer, { id: handle.workflowId, ...facts }, actor, { decision, reason });
}

function rootCalls(requestId: string) {
  return org.callsFor(requestId).filter((c) => ROOT_ACTIVITIES.includes(c.activity));
}

test('billing access defaulted on: completed, no decision asked, no root window', async () => {
  const handle = await requestAccount('fast-on@example.com', { billingAccess: 'on', rootCredentials: 'present' });
  const result = await resultOf(handle);

  expect(result.stage).toBe('completed');
  expect(result.billingAccess?.verdict).toBe('defaulted-on');
  const [account] = [...org.accounts.values()].filter((a) => a.requestId === handle.workflowId);
  expect(result.accountId).toBe(account.id);
  expect(account.organizationalUnitId).toBe('ou-root-workloads');
  expect(org.callsFor(handle.workflowId, 'requestAccountCreation')).toHaveLength(1);
  expect(result.timeline.map((t) => t.stage)).not.toContain('awaiting-decision');
  expect(result.decision).toBeUndefined();
  expect(org.notificationsFor(handle.workflowId, 'decision-needed')).toHaveLength(0);
  // The root user was never touched: no AssumeRoot session, its credentials as they were.
  expect(result.rootWindow).toBeUndefined();
  expect(rootCalls(handle.workflowId)).toEqual([]);
  expect(account.root).toMatchObject({ loginProfile: false, mfaDevices: 1, accessKeys: 1 });
  expect(org.notificationsFor(handle.workflowId, 'completed')).toMatchObject([{ audience: 'requester', accountId: account.id }]);
});

test('billing access off and no decision within 7 days: awaiting-decision, a reminder a day, then needs-attention', async () => {
  const handle = await requestAccount('fast-off-deadline@example.com', { billingAccess: 'off', rootCredentials: 'absent' });
  expect((await stageReached(handle, 'awaiting-decision')).pendingDecision?.remindersSent).toBe(0);
  const result = await resultOf(handle);

  expect(result.stage).toBe('needs-attention');
  expect(result.billingAccess?.verdict).toBe('off');
  expect(result.timeline.find((t) => t.stage === 'awaiting-decision')?.note).toBe('billing access is off');
  expect(result.timeline.at(-1)?.note).toBe('no decision before the deadline');
  expect(result.decision).toBeUndefined();
  const notices = (kind: 'decision-needed' | 'decision-reminder' | 'needs-attention') => org.callsFor(handle.workflowId, 'notify').filter((c) => (c.args[0] as { kind: string }).kind === kind);
  const [asked] = notices('decision-needed');
  expect(notices('decision-needed')).toHaveLength(1);
  // Days 1 to 6 on the workflow's (skipped) clock; day 7 is the deadline itself, which ends the wait instead.
  const reminderDays = notices('decision-reminder').map((c) => Math.round((c.scheduledAt - asked.scheduledAt) / DAY));
  expect(reminderDays).toEqual([1, 2, 3, 4, 5, 6]);
  expect(notices('needs-attention')).toHaveLength(1);
  expect(Math.round((notices('needs-attention')[0].scheduledAt - asked.scheduledAt) / DAY)).toBe(7);
  expect(org.notificationsFor(handle.workflowId, 'needs-attention')).toMatchObject([{ audience: 'operators' }]);
  expect(rootCalls(handle.workflowId)).toEqual([]);
});

test('an approver other than the requester approves: the root window opens; a cancel inside it closes it, audited', async () => {
  const handle = await requestAccount('fast-window-cancel@example.com', { billingAccess: 'off', rootCredentials: 'present' });
  await stageReached(handle, 'awaiting-decision');
  expect(rootCalls(handle.workflowId)).toEqual([]);

  const record = await decideAs(handle, BOB, 'approve-remediation', 'billing access is off; the root step is needed');
  expect(record).toMatchObject({ decision: 'approve-remediation', decidedBy: 'bob' });
  const open = await stageReached(handle, 'root-window-open');
  const accountId = open.accountId!;
  const account = org.accounts.get(accountId)!;
  expect(open.rootWindow?.openedAt).toBeDefined();
  // Audited before anything changed, then password recovery allowed: the window is open.
  expect(open.rootWindow?.preAudit).toMatchObject({ loginProfile: false, mfaDevices: 1, accessKeys: 1 });
  expect(rootCalls(handle.workflowId).map((c) => c.activity)).toEqual(['auditRootCredentials', 'allowRootPasswordRecovery']);
  expect(account.root.loginProfile).toBe(true);
  expect(org.notificationsFor(handle.workflowId, 'root-window-opened')).toHaveLength(1);

  await handle.cancel();
  const outcome = await resultOf(handle).catch((err: unknown) => err);
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

  const status = await handle.query(statusQuery);
  expect(status.stage).toBe('cancelled');
  expect(status.accountId).toBe(accountId);
  expect(status.timeline.map((t) => t.stage)).toContain('closing-root-window');
  expect(status.rootWindow).toMatchObject({
    closedBecause: 'cancelled',
    postAudit: { loginProfile: false, passwordPresent: false, mfaDevices: 0, accessKeys: 0, signingCertificates: 0 },
  });
  expect(status.rootWindow?.closedAt).toBeDefined();
  expect(status.alarms).toBeUndefined();
  // Closed: every root credential deleted (also those there before the window), then audited again.
  expect(rootCalls(handle.workflowId).map((c) => c.activity)).toEqual([
    'auditRootCredentials',
    'allowRootPasswordRecovery',
    'deleteRootCredentials',
    'auditRootCredentials',
  ]);
  expect(account.root).toEqual({ loginProfile: false, passwordPresent: false, mfaDevices: 0, accessKeys: 0, signingCertificates: 0 });
  expect(org.notificationsFor(handle.workflowId, 'root-window-closed')).toMatchObject([{ message: 'root window closed (cancelled)' }]);
  expect(org.notificationsFor(handle.workflowId, 'cancelled')).toMatchObject([{ audience: 'requester', accountId }]);
  expect(org.callsFor(handle.workflowId, 'requestAccountCreation')).toHaveLength(1);
});

test('the root console step, seen in CloudTrail: the window closes with every root credential deleted, completed', async () => {
  const handle = await requestAccount('fast-window-remediated@example.com', { billingAccess: 'off', rootCredentials: 'absent' });
  await stageReached(handle, 'awaiting-decision');
  await decideAs(handle, BOB, 'approve-remediation', 'billing access is off');
  const { accountId } = await stageReached(handle, 'root-window-open');
  org.switchBillingAccessOn(accountId!);
  // The window's next CloudTrail poll (a minute later on the skipped clock) finds the change.
  const result = await resultOf(handle);

  expect(result.stage).toBe('completed');
  expect(result.timeline.at(-1)?.note).toBe('remediated (cloudtrail-evidence)');
  expect(result.rootWindow).toMatchObject({ closedBecause: 'cloudtrail-evidence', postAudit: { loginProfile: false, passwordPresent: false } });
  expect(result.billingAccess?.evidence.at(-1)).toMatchObject({ source: 'cloudtrail-lookup', indicates: 'on' });
  expect(rootCalls(handle.workflowId).map((c) => c.activity)).toEqual([
    'auditRootCredentials',
    'allowRootPasswordRecovery',
    'deleteRootCredentials',
    'auditRootCredentials',
  ]);
  expect(org.accounts.get(accountId!)!.root.loginProfile).toBe(false);
});

test('a decision unsigned, forged, altered, signed for another request, or by the requester is refused and changes nothing', async () => {
  // Carol holds the approver role too: only four eyes stop her from deciding on her own request.
  const handle = await requestAccount('fast-refusals@example.com', { billingAccess: 'inconclusive', rootCredentials: 'absent' }, CAROL);
  const before = await stageReached(handle, 'awaiting-decision');
  expect(before.timeline.at(-1)?.note).toBe('billing access is inconclusive');
  const facts = await describeRequest(env.client, handle.workflowId);
  const send = (update: DecisionInput) => env.client.workflow.getHandle(handle.workflowId, facts.runId).executeUpdate(decideUpdate, { args: [update] });
  const bobs = { decision: 'approve-remediation', reason: 'open the window', decidedBy: BOB.user, roles: BOB.roles } as const;
  const signedFor = (requestId: string, act: typeof bobs | DecisionInput) => signer.sign(decisionAct(requestId, facts.runId, act), facts.decisionKeyIds)!;

  const refusals: [string, Promise<unknown>][] = [
    ['unsigned', send(bobs)],
    // Another ring's key under the id the request trusts: what someone with namespace access but not the API's key can make.
    ['forged', send({ ...bobs, ...randomDecisionSigner(signer.currentKeyId).sign(decisionAct(handle.workflowId, facts.runId, bobs), facts.decisionKeyIds)! })],
    ['altered', send({ ...bobs, ...signedFor(handle.workflowId, { ...bobs, decision: 'reject' }) })],
    ['another request', send({ ...bobs, ...signedFor('vend-another-request', bobs) })],
  ];
  for (const [what, refused] of refusals) {
    const err = await refused.then(() => new Error(`the ${what} decision was accepted`), (e: unknown) => e);
    expect([what, err]).toEqual([what, expect.any(WorkflowUpdateFailedError)]);
    expect([what, (err as WorkflowUpdateFailedError).cause]).toMatchObject([what, { type: 'SignatureInvalid' }]);
  }
  // Signed by the API, but Carol asked for this account.
  await expect(decideAs(handle, CAROL, 'approve-remediation', 'my own account')).rejects.toMatchObject({
    cause: { type: 'DecisionNotAllowed', message: expect.stringContaining('carol requested this account') },
  });

  // Nothing changed: the same status, no update in history, no root session.
  expect(await handle.query(statusQuery)).toEqual(before);
  const accepted = (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  expect(accepted).toHaveLength(0);
  expect(rootCalls(handle.workflowId)).toEqual([]);

  // The one decision is still open to someone allowed to make it.
  await decideAs(handle, BOB, 'attest-enabled', 'the org setting is on; checked in the console');
  const result = await resultOf(handle);
  expect(result.stage).toBe('completed');
  expect(result.decision).toMatchObject({ decision: 'attest-enabled', decidedBy: 'bob' });
  expect(result.timeline.at(-1)?.note).toBe('bob attested that billing access is on');
  expect(rootCalls(handle.workflowId)).toEqual([]);
});
