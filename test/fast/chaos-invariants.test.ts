/**
 * The invariant checker itself, on hand-made facts: a clean world passes, and each kind of broken promise is named
 * by the invariant that should catch it (so a chaos run that passes does so because the promises held, not because
 * the checker looked away).
 */
import { closureIdForAccount } from '../../contract/closure';
import { requestIdForEmail } from '../../contract/request-id';
import { checkInvariants, type ClosureView, type Facts, type RequestView, type SandboxAccount } from '../chaos/invariants';
import { type Exchange } from '../chaos/journal';
import { type ReceivedNotification } from '../chaos/notification-receiver';

const EMAIL = 'cabc1-0@chaos.example.com';
const ID = requestIdForEmail(EMAIL);
const ACCOUNT = '111122223333';
const T0 = Date.parse('2030-01-01T00:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

let seq = 0;
function exchange(e: Partial<Exchange> & Pick<Exchange, 'method' | 'path' | 'status'>, at = 0): Exchange {
  return { seq: ++seq, by: 'test', body: {}, ...e, sentAt: T0 + at * 1000, answeredAt: T0 + at * 1000 + 50 };
}

const submitted = exchange({ method: 'POST', path: '/v1/account-requests', user: 'alice', status: 202, body: { id: ID, stage: 'preflight' } });
const approved = exchange({ method: 'POST', path: `/v1/account-requests/${ID}/decision`, user: 'bob', status: 200, requestBody: { decision: 'approve-remediation', reason: 'r' } }, 10);
const confirmed = exchange({ method: 'POST', path: `/v1/account-requests/${ID}/remediation-confirmation`, user: 'erin', status: 200 }, 20);

function remediatedView(): RequestView {
  return {
    id: ID,
    stage: 'completed',
    requester: 'alice',
    accountId: ACCOUNT,
    execution: 'COMPLETED',
    billingAccess: {
      verdict: 'off',
      evidence: [
        { source: 'cost-explorer-probe', checkedAt: iso(5), indicates: 'off' },
        { source: 'cost-explorer-probe', checkedAt: iso(21), indicates: 'on' },
      ],
    },
    decision: { decision: 'approve-remediation', reason: 'r', decidedBy: 'bob', decidedAt: iso(10) },
    rootWindow: { openedAt: iso(12), closedAt: iso(22), closedBecause: 'confirmed', confirmedBy: 'erin' },
    baseline: {
      blueprint: { name: 'chaos-day-one', version: 1 },
      steps: [
        { step: 'identity-center', state: 'done' },
        { step: 'regions', state: 'skipped' },
      ],
    },
    timeline: [
      { stage: 'awaiting-decision', enteredAt: iso(6) },
      { stage: 'root-window-open', enteredAt: iso(11) },
      { stage: 'completed', enteredAt: iso(22) },
    ],
  };
}

function account(creds: Partial<SandboxAccount['rootCredentials']> = {}): SandboxAccount {
  return { accountId: ACCOUNT, email: EMAIL, billingAccess: true, rootCredentials: { passwordPresent: false, mfaDevices: 0, accessKeys: 0, signingCertificates: 0, ...creds } };
}

function world(patch: Partial<Facts> = {}): Facts {
  return {
    requests: [{ id: ID, view: remediatedView() }],
    accounts: [account()],
    allAccountIds: [ACCOUNT],
    notifications: [],
    startedWorkflowIds: [ID],
    exchanges: [submitted, approved, confirmed],
    windowSeen: [ACCOUNT],
    plants: [],
    resets: [],
    unsettled: [],
    closures: [],
    unsettledClosures: [],
    accountClosures: [],
    placementsBefore: {},
    parents: { [PROTECTED]: PROTECTED_OU },
    closureAccounts: {},
    managementAccountId: MANAGEMENT,
    protectedAccountIds: [PROTECTED],
    quarantineOuId: QUARANTINE_OU,
    assignmentCreations: { [`${ACCOUNT}|arn:aws:sso:::permissionSet/ps-1|GROUP|g-1`]: 1, [`${ACCOUNT}|arn:aws:sso:::permissionSet/ps-1|USER|u-1`]: 1 },
    workerCrashes: [],
    ...patch,
  };
}

// ---- closures ------------------------------------------------------------------------------------------------------

const CLOSURE = closureIdForAccount(ACCOUNT);
const MANAGEMENT = '000011112222';
const PROTECTED = '555566667777';
const WORKLOADS_OU = 'ou-root-workloads';
const QUARANTINE_OU = 'ou-root-suspended';
const PROTECTED_OU = 'ou-root-protected';

const closeAsked = exchange({ method: 'POST', path: '/v1/closure-requests', user: 'alice', status: 202, requestBody: { accountId: ACCOUNT, reason: 'r' }, body: { id: CLOSURE } }, 30);
const closeApproved = exchange({ method: 'POST', path: `/v1/closure-requests/${CLOSURE}/decision`, user: 'bob', status: 200, requestBody: { decision: 'approve', reason: 'r' } }, 31);
const closeCancelled = exchange({ method: 'POST', path: `/v1/closure-requests/${CLOSURE}/cancel`, user: 'alice', status: 202, requestBody: { reason: 'r' } }, 32);

function closedView(patch: Partial<ClosureView> = {}): ClosureView {
  return {
    id: CLOSURE,
    stage: 'closed',
    execution: 'COMPLETED',
    accountId: ACCOUNT,
    requester: 'alice',
    decision: { decision: 'approve', decidedBy: 'bob', decidedAt: iso(31) },
    quarantine: { sourceParentId: WORKLOADS_OU, quarantinedAt: iso(31.5) },
    ...patch,
  };
}

/** The remediated request's account, then closed: asked by its requester, approved by bob, SUSPENDED in AWS. */
function closedWorld(patch: Partial<Facts> = {}): Facts {
  return world({
    exchanges: [submitted, approved, confirmed, closeAsked, closeApproved],
    closures: [{ id: CLOSURE, view: closedView() }],
    accountClosures: [{ accountId: ACCOUNT, state: 'SUSPENDED' }],
    placementsBefore: { [ACCOUNT]: WORKLOADS_OU },
    parents: { [ACCOUNT]: QUARANTINE_OU, [PROTECTED]: PROTECTED_OU },
    closureAccounts: { [CLOSURE]: ACCOUNT },
    ...patch,
  });
}

/** The same closure cancelled by its requester in the grace period, and the account back in Workloads. */
function cancelledWorld(patch: Partial<Facts> = {}): Facts {
  return closedWorld({
    exchanges: [submitted, approved, confirmed, closeAsked, closeApproved, closeCancelled],
    closures: [{ id: CLOSURE, view: closedView({ stage: 'cancelled', execution: 'COMPLETED', cancellation: { cancelledBy: 'alice', stage: 'quarantine' }, quarantine: { sourceParentId: WORKLOADS_OU, quarantinedAt: iso(31.5), restoredAt: iso(32.5) } }) }],
    accountClosures: [],
    parents: { [ACCOUNT]: WORKLOADS_OU, [PROTECTED]: PROTECTED_OU },
    ...patch,
  });
}

const names = (facts: Facts) => [...new Set(checkInvariants(facts).map((v) => v.invariant))];
const withView = (patch: Partial<RequestView>) => ({ requests: [{ id: ID, view: { ...remediatedView(), ...patch } }] });
const alarm = (n: Partial<ReceivedNotification>): ReceivedNotification => ({ receivedAt: T0, raw: {}, ...n });

test('a remediated request confirmed by another person and re-checked afterwards breaks nothing', () => {
  expect(checkInvariants(world())).toEqual([]);
});

test('two accounts for one email, and an account nobody knows', () => {
  const second = { ...account(), accountId: '999988887777' };
  expect(names(world({ accounts: [account(), second], allAccountIds: [ACCOUNT, second.accountId] }))).toEqual(
    expect.arrayContaining(['one-account-per-email', 'account-owned-or-orphan-alarmed']),
  );
});

test('an orphan is fine once an operator alarm reports it', () => {
  const facts = world({ ...withView({ accountId: undefined, stage: 'cancelled', execution: 'CANCELLED', rootWindow: undefined, decision: undefined, timeline: [] }), windowSeen: [], exchanges: [submitted] });
  expect(names(facts)).toEqual(['account-owned-or-orphan-alarmed']);
  const reported = alarm({ kind: 'orphan-account', audience: 'operators', severity: 'critical', accountId: ACCOUNT });
  expect(names({ ...facts, notifications: [reported] })).toEqual([]);
});

test('a request that names an account the organization does not hold', () => {
  expect(names(world({ accounts: [], allAccountIds: [] }))).toContain('request-account-exists');
});

test('two accepted decisions on one run, a decision by the requester, a recorded decision nobody made', () => {
  const second = exchange({ ...approved, user: 'erin', requestBody: { decision: 'reject', reason: 'r' } }, 10.01);
  expect(names(world({ exchanges: [submitted, approved, second, confirmed] }))).toContain('one-decision-per-request');
  const byRequester = exchange({ ...approved, user: 'alice' }, 10);
  expect(names(world({ exchanges: [submitted, byRequester, confirmed] }))).toEqual(expect.arrayContaining(['decider-allowed', 'decision-record-answered']));
  const forged = withView({ decision: { decision: 'approve-remediation', reason: 'r', decidedBy: 'mallory', decidedAt: iso(10) } });
  expect(names(world(forged))).toEqual(expect.arrayContaining(['decider-allowed', 'decision-record-answered', 'window-after-approval']));
});

test('a second accepted decision after an operator reset the run belongs to the new run', () => {
  const second = exchange({ ...approved, user: 'erin' }, 15);
  // An operator's Reset in between starts a new run, which takes its own decision.
  expect(names(world({ exchanges: [submitted, approved, second, confirmed], resets: [{ id: ID, at: T0 + 12_000 }] }))).toEqual([]);
});

test('a second decision after the request was asked for again (a new run) is its own run', () => {
  const again = exchange({ ...submitted }, 30);
  const later = exchange({ ...approved }, 40);
  expect(names(world({ exchanges: [submitted, approved, confirmed, again, later] }))).toEqual([]);
});

test('a root window without an approval, and root credentials left behind without a critical alarm', () => {
  expect(names(world({ ...withView({ decision: undefined, stage: 'needs-attention' }), exchanges: [submitted] }))).toEqual(
    expect.arrayContaining(['window-after-approval']),
  );
  const left = world({ accounts: [account({ passwordPresent: true, accessKeys: 1 })] });
  expect(names(left)).toEqual(['window-closed-or-alarmed']);
  const named = alarm({ kind: 'root-window-alarm', audience: 'operators', severity: 'critical', accountId: ACCOUNT });
  expect(names({ ...left, notifications: [named] })).toEqual([]);
  expect(names({ ...left, notifications: [{ ...named, severity: 'warning' }] })).toEqual(['window-closed-or-alarmed']);
  // Planted after the window closed: not the window's to delete.
  expect(names({ ...world({ accounts: [account({ accessKeys: 1 })] }), plants: [{ accountId: ACCOUNT, at: T0 + 30_000 }] })).toEqual([]);
});

test('completed without a re-check after the confirmation, or on the requester\'s own confirmation', () => {
  const noRecheck = withView({
    billingAccess: { verdict: 'off', evidence: [{ source: 'cost-explorer-probe', checkedAt: iso(5), indicates: 'off' }] },
  });
  expect(names(world(noRecheck))).toEqual(['completed-justified']);
  const own = withView({ rootWindow: { ...remediatedView().rootWindow, confirmedBy: 'alice' } });
  expect(names(world(own))).toEqual(['completed-justified']);
  const attested = withView({ rootWindow: undefined, timeline: [], decision: { decision: 'attest-enabled', reason: 'r', decidedBy: 'bob', decidedAt: iso(10) } });
  const attest = exchange({ ...approved, requestBody: { decision: 'attest-enabled', reason: 'r' } }, 10);
  expect(names(world({ ...attested, exchanges: [submitted, attest], windowSeen: [] }))).toEqual([]);
});

test('a 5xx, an error outside the shape, a request that never answered, a workflow nobody accepted, one key for two requests', () => {
  const broken = [
    exchange({ method: 'GET', path: `/v1/account-requests/${ID}`, user: 'carol', status: 500, body: { error: { code: 'INTERNAL', message: 'x' } } }),
    exchange({ method: 'POST', path: '/v1/account-requests', user: 'alice', status: 400, body: 'Bad Request' }),
    exchange({ method: 'POST', path: '/v1/account-requests', user: 'alice', status: 0, error: 'no answer' }),
  ];
  expect(names(world({ exchanges: [submitted, approved, confirmed, ...broken] }))).toEqual(['api-no-5xx', 'api-error-shape', 'api-answers']);
  expect(names(world({ startedWorkflowIds: [ID, 'vend-000000000000000000000000'] }))).toEqual(['no-start-on-refusal']);
  const keyed = (id: string) => exchange({ method: 'POST', path: '/v1/account-requests', user: 'alice', status: 202, idempotencyKey: 'k', body: { id } });
  expect(names(world({ exchanges: [keyed(ID), keyed('vend-111111111111111111111111'), approved, confirmed] }))).toContain('idempotency-key-one-request');
});

test('a request still running after settling, a worker that died on its own', () => {
  expect(names(world({ unsettled: [ID] }))).toEqual(['settles']);
  expect(names(world({ workerCrashes: [{ at: T0, code: 1, tail: 'vending worker: boom' }] }))).toEqual(['worker-stays-up']);
});

test('a closure approved by another person, and one cancelled in its grace period with the account restored, break nothing', () => {
  expect(checkInvariants(closedWorld())).toEqual([]);
  expect(checkInvariants(cancelledWorld())).toEqual([]);
});

test('an account SUSPENDED without an approval, or on its requester\'s own approval', () => {
  expect(names(closedWorld({ exchanges: [submitted, approved, confirmed, closeAsked], closures: [{ id: CLOSURE, view: closedView({ decision: undefined }) }] }))).toEqual([
    'closure-only-approved',
  ]);
  const own = exchange({ ...closeApproved, user: 'alice' }, 31);
  const facts = closedWorld({ exchanges: [submitted, approved, confirmed, closeAsked, own], closures: [{ id: CLOSURE, view: closedView({ decision: { decision: 'approve', decidedBy: 'alice' } }) }] });
  expect(names(facts)).toEqual(expect.arrayContaining(['closure-only-approved', 'closure-decider-allowed']));
  // An approval by someone without the approver role is no approval either.
  const noRole = exchange({ ...closeApproved, user: 'mallory' }, 31);
  expect(names(closedWorld({ exchanges: [submitted, approved, confirmed, closeAsked, noRole] }))).toEqual(expect.arrayContaining(['closure-only-approved', 'closure-decider-allowed']));
});

test('two accepted closure decisions in one run; a second after the closure was asked for again is its own run', () => {
  const second = exchange({ ...closeApproved, user: 'erin', requestBody: { decision: 'reject', reason: 'r' } }, 31.01);
  expect(names(closedWorld({ exchanges: [submitted, approved, confirmed, closeAsked, closeApproved, second] }))).toEqual(['one-decision-per-closure']);
  const again = exchange({ ...closeAsked }, 40);
  const later = exchange({ ...closeApproved, user: 'erin' }, 41);
  expect(names(closedWorld({ exchanges: [submitted, approved, confirmed, closeAsked, closeApproved, closeCancelled, again, later] }))).toEqual([]);
});

test('the management account closed, a protected account quarantined, a closure of it accepted', () => {
  expect(names(closedWorld({ accountClosures: [{ accountId: ACCOUNT, state: 'SUSPENDED' }, { accountId: MANAGEMENT, state: 'PENDING_CLOSURE' }] }))).toContain('closure-never-protected');
  expect(names(closedWorld({ parents: { [ACCOUNT]: QUARANTINE_OU, [PROTECTED]: QUARANTINE_OU } }))).toEqual(['closure-never-protected']);
  const asked = exchange({ ...closeAsked, user: 'oscar', requestBody: { accountId: PROTECTED, reason: 'r', adopt: true }, body: { id: closureIdForAccount(PROTECTED) } }, 35);
  expect(names(closedWorld({ exchanges: [submitted, approved, confirmed, closeAsked, closeApproved, asked] }))).toEqual(['closure-never-protected']);
  // Refused (422) is what should happen: nothing to name.
  const refused = exchange({ ...asked, status: 422, body: { error: { code: 'PROTECTED_ORGANIZATIONAL_UNIT', message: 'm' } } }, 35);
  expect(names(closedWorld({ exchanges: [submitted, approved, confirmed, closeAsked, closeApproved, refused] }))).toEqual([]);
});

test('a closure cancelled in its grace period that left the account in quarantine, or closed it', () => {
  expect(names(cancelledWorld({ parents: { [ACCOUNT]: QUARANTINE_OU, [PROTECTED]: PROTECTED_OU } }))).toEqual(['closure-cancel-restores']);
  expect(names(cancelledWorld({ accountClosures: [{ accountId: ACCOUNT, state: 'PENDING_CLOSURE' }] }))).toEqual(['closure-cancel-restores']);
  // Where the account sat before the program asked wins over the closure's own record of it.
  expect(names(cancelledWorld({ placementsBefore: { [ACCOUNT]: 'ou-root-sandbox' } }))).toEqual(['closure-cancel-restores']);
});

test('a closure still running after settling', () => {
  expect(names(closedWorld({ unsettledClosures: [CLOSURE] }))).toEqual(['closure-settles']);
});

test('a guardian pass that never came after the end fails the program rather than letting it be checked early', () => {
  expect(names(closedWorld({ guardianWait: 'no complete guardian pass (with its cleanups) within 180000 ms of the end' }))).toEqual(['settles']);
});

test('completed with a baseline step not done, and an assignment created twice', () => {
  const failed = withView({ baseline: { blueprint: { name: 'chaos-day-one', version: 1 }, steps: [{ step: 'identity-center', state: 'done' }, { step: 'budget', state: 'failed' }] } });
  expect(names(world(failed))).toEqual(['baseline-steps-finished']);
  // A request that ended at needs-attention with a failed step breaks nothing: only `completed` promises every step.
  const attention = withView({ stage: 'needs-attention', execution: 'COMPLETED', baseline: failed.requests[0].view.baseline });
  expect(names(world({ ...attention, windowSeen: [] }))).not.toContain('baseline-steps-finished');
  expect(names(world({ assignmentCreations: { [`${ACCOUNT}|arn:aws:sso:::permissionSet/ps-1|GROUP|g-1`]: 2 } }))).toEqual(['baseline-assignment-once']);
});
