/**
 * The product's promises, checked after a program has settled, from what the system itself reports: the API's
 * answers (the journal), each request as an operator reads it (GET /v1/account-requests/{id}), the sandbox's
 * accounts and root credentials, the notifications the operators received, and the workflows visibility lists.
 * Pure: facts in, violations out.
 */
import { closureIdForAccount } from '../../contract/closure';
import { requestIdForEmail } from '../../contract/request-id';
import { type Exchange } from './journal';
import { type ReceivedNotification } from './notification-receiver';
import { holdsRole } from './principals';

export interface EvidenceView {
  source: string;
  checkedAt: string;
  indicates: 'on' | 'off' | 'unknown';
  detail?: string;
}

/** GET /v1/account-requests/{id}, as far as the invariants read it (fields the lead may add are optional). */
export interface RequestView {
  id: string;
  stage: string;
  requester?: string;
  accountId?: string;
  execution: string;
  billingAccess?: { verdict: string; evidence: EvidenceView[] };
  decision?: { decision: string; reason: string; decidedBy: string; decidedAt: string };
  rootWindow?: { openedAt?: string; closedAt?: string; closedBecause?: string; confirmedBy?: string; confirmedAt?: string };
  failure?: { message: string; type?: string };
  timeline: { stage: string; enteredAt: string; note?: string }[];
  /** The day-1 baseline, when the request has a blueprint. */
  baseline?: { blueprint: { name: string; version: number }; steps: { step: string; state: string; outcome?: string }[] };
}

/** GET /v1/closure-requests/{id}, as far as the invariants read it. */
export interface ClosureView {
  id?: string;
  stage: string;
  execution?: string;
  accountId: string;
  requester: string;
  decision?: { decision: string; decidedBy: string; decidedAt?: string };
  quarantine?: { sourceParentId: string; quarantinedAt?: string; restoredAt?: string };
  cancellation?: { cancelledBy: string; stage: string; cancelledAt?: string };
}

export interface RootCredentialsView {
  passwordPresent: boolean;
  mfaDevices: number;
  accessKeys: number;
  signingCertificates: number;
}

export interface SandboxAccount {
  accountId: string;
  email: string;
  billingAccess: boolean;
  rootCredentials: RootCredentialsView;
}

export interface Facts {
  /** Every request of the program: accepted by the API, or found started in visibility. */
  requests: { id: string; view?: RequestView }[];
  /** The sandbox's member accounts whose email belongs to the program. */
  accounts: SandboxAccount[];
  /** Every account id the sandbox holds (any program), to tell a missing account from another program's. */
  allAccountIds: string[];
  notifications: ReceivedNotification[];
  /** Vending workflows visibility lists on the task queue since the program began. */
  startedWorkflowIds: string[];
  exchanges: Exchange[];
  /** Accounts the program saw inside an open root window while it acted. */
  windowSeen: string[];
  /** Root credentials the program planted (control API), and when. */
  plants: { accountId: string; at: number }[];
  /** Operators' resets of a request's run, and when (named in a violation they may explain). */
  resets: { id: string; at: number }[];
  /** Requests still running after settling (operators' cancellation included). */
  unsettled: string[];
  /** Every closure of the program (accepted, or found started in visibility), as an operator reads it. */
  closures: { id: string; view?: ClosureView }[];
  /** Closures still running after settling. */
  unsettledClosures: string[];
  /** Why the wait for a root-window guardian pass after the end gave up, if it did. */
  guardianWait?: string;
  /** The sandbox's CloseAccount records (PENDING_CLOSURE, SUSPENDED, ...) of the program's and the protected accounts. */
  accountClosures: { accountId: string; state: string }[];
  /** Each account's parent before the program's first accepted closure of it. */
  placementsBefore: Record<string, string>;
  /** Each of those accounts' parent (and the protected accounts') after settling. */
  parents: Record<string, string>;
  /** The account each accepted closure is for. */
  closureAccounts: Record<string, string>;
  managementAccountId: string;
  /** Member accounts in a protected OU. */
  protectedAccountIds: string[];
  quarantineOuId: string;
  /** The sandbox's accepted CreateAccountAssignment calls of the program's accounts, by `account|set|type|principal`. */
  assignmentCreations: Record<string, number>;
  /** Worker exits the program did not cause (it only SIGKILLs and restarts). */
  workerCrashes: { at: number; code: number | null; tail: string }[];
}

export const INVARIANTS = [
  'settles',
  'worker-stays-up',
  'one-account-per-email',
  'account-owned-or-orphan-alarmed',
  'request-account-exists',
  'one-decision-per-request',
  'decider-allowed',
  'decision-record-answered',
  'window-after-approval',
  'window-closed-or-alarmed',
  'completed-justified',
  'api-no-5xx',
  'api-answers',
  'api-error-shape',
  'no-start-on-refusal',
  'idempotency-key-one-request',
  'closure-settles',
  'closure-only-approved',
  'closure-decider-allowed',
  'one-decision-per-closure',
  'closure-never-protected',
  'closure-cancel-restores',
  'baseline-steps-finished',
  'baseline-assignment-once',
] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export interface Violation {
  invariant: InvariantName;
  subject: string;
  detail: string;
}

const is2xx = (e: Exchange) => e.status >= 200 && e.status < 300;
const idOfPath = (path: string) => /^\/v1\/account-requests\/([^/?]+)/.exec(path)?.[1];
const time = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

export function checkInvariants(facts: Facts): Violation[] {
  const violations: Violation[] = [];
  const fail = (invariant: InvariantName, subject: string, detail: string) => violations.push({ invariant, subject, detail });
  const views = new Map(facts.requests.map((r) => [r.id, r.view]));

  const submits = facts.exchanges.filter((e) => e.method === 'POST' && e.path === '/v1/account-requests');
  const acceptedSubmits = submits.filter((e) => is2xx(e) && typeof (e.body as { id?: unknown })?.id === 'string');
  const acceptedIds = new Set(acceptedSubmits.map((e) => (e.body as { id: string }).id));
  // A vending request's decisions only (closures have their own, checked in checkClosures).
  const decisions = facts.exchanges.filter((e) => e.method === 'POST' && /^\/v1\/account-requests\/[^/]+\/decision$/.test(e.path));
  const confirmations = facts.exchanges.filter((e) => e.method === 'POST' && /\/remediation-confirmation$/.test(e.path));

  /** Who asked for a request: the workflow's word, else the user whose POST started it. */
  const requesterOf = (id: string): string | undefined =>
    views.get(id)?.requester ??
    acceptedSubmits.find((e) => e.status === 202 && (e.body as { id: string }).id === id)?.user?.toString();
  const eligibleDecider = (user: string | undefined, id: string) => user !== undefined && holdsRole(user, 'approver') && user !== requesterOf(id);
  const namesAccount = (n: ReceivedNotification, accountId: string) =>
    n.accountId === accountId || (n.message ?? '').includes(accountId) || JSON.stringify(n.raw).includes(accountId);
  const criticalAlarm = (accountId: string) =>
    facts.notifications.some((n) => n.audience === 'operators' && n.severity === 'critical' && namesAccount(n, accountId));
  const orphanReported = (accountId: string) =>
    facts.notifications.some((n) => namesAccount(n, accountId) && (n.kind === 'orphan-account' || (n.audience === 'operators' && n.severity === 'critical')));

  // ---- liveness: everything ended after settling -----------------------------------------------------------------
  for (const id of facts.unsettled) fail('settles', id, `still running after settling (stage ${views.get(id)?.stage ?? '?'})`);
  if (facts.guardianWait) fail('settles', 'root-window guardian', facts.guardianWait);
  for (const c of facts.workerCrashes) fail('worker-stays-up', `worker exit ${c.code}`, `the worker process ended on its own:\n${c.tail}`);

  // ---- one account per request, no orphans ---------------------------------------------------------------------
  const byEmail = new Map<string, SandboxAccount[]>();
  for (const a of facts.accounts) byEmail.set(a.email.toLowerCase(), [...(byEmail.get(a.email.toLowerCase()) ?? []), a]);
  for (const [email, accounts] of byEmail) {
    if (accounts.length > 1) fail('one-account-per-email', email, `${accounts.length} accounts: ${accounts.map((a) => a.accountId).join(', ')}`);
  }
  for (const account of facts.accounts) {
    const owners = facts.requests.filter((r) => r.view?.accountId === account.accountId).map((r) => r.id);
    const expected = requestIdForEmail(account.email);
    if (owners.length === 0) {
      if (!orphanReported(account.accountId)) {
        fail(
          'account-owned-or-orphan-alarmed',
          account.accountId,
          `no request knows this account (email ${account.email}, request ${expected} at ${views.get(expected)?.stage ?? 'unknown'}) and no operator alarm reported it as an orphan`,
        );
      }
    } else if (owners.length > 1 || owners[0] !== expected) {
      fail('account-owned-or-orphan-alarmed', account.accountId, `claimed by ${owners.join(', ')}; its email ${account.email} belongs to ${expected}`);
    }
  }
  for (const { id, view } of facts.requests) {
    if (!view?.accountId) continue;
    const account = facts.accounts.find((a) => a.accountId === view.accountId);
    if (!account) {
      const where = facts.allAccountIds.includes(view.accountId) ? 'an account of another email' : 'no account in the organization';
      fail('request-account-exists', id, `reports account ${view.accountId}, which is ${where}`);
    } else if (requestIdForEmail(account.email) !== id) {
      fail('request-account-exists', id, `reports account ${view.accountId}, whose email ${account.email} is another request's`);
    }
  }

  // ---- four eyes: one decision, by an approver who is not the requester ------------------------------------------
  const acceptedDecisions = decisions.filter(is2xx);
  const decisionsById = new Map<string, Exchange[]>();
  for (const d of acceptedDecisions) {
    const id = idOfPath(d.path)!;
    decisionsById.set(id, [...(decisionsById.get(id) ?? []), d]);
  }
  for (const [id, answers] of decisionsById) {
    // A request asked for again after it failed or was cancelled is a new run, which takes its own decision; so is the
    // run an operator's Reset starts: a reset back past the decision discards it with the old run (README, "Four eyes").
    const starts = acceptedSubmits.filter((e) => e.status === 202 && (e.body as { id: string }).id === id).map((e) => e.answeredAt);
    const resets = facts.resets.filter((r) => r.id === id).map((r) => r.at);
    const perRun = new Map<number, Exchange[]>();
    for (const a of answers) {
      const run = starts.filter((t) => t <= a.sentAt).length + resets.filter((t) => t <= a.sentAt).length;
      perRun.set(run, [...(perRun.get(run) ?? []), a]);
    }
    for (const [, accepted] of perRun) {
      if (accepted.length > 1) {
        fail(
          'one-decision-per-request',
          id,
          `${accepted.length} decisions answered 2xx in one run: ${accepted.map((a) => `${a.user} ${(a.requestBody as { decision: string }).decision}`).join(', ')}`,
        );
      }
    }
    for (const a of answers) {
      if (!eligibleDecider(a.user, id)) {
        fail('decider-allowed', id, `${a.user}'s decision was accepted; the requester is ${requesterOf(id)}, approvers only, never the requester`);
      }
    }
  }
  for (const { id, view } of facts.requests) {
    const record = view?.decision;
    if (!record) continue;
    if (!eligibleDecider(record.decidedBy, id)) fail('decider-allowed', id, `the recorded decider ${record.decidedBy} is not an approver other than the requester ${requesterOf(id)}`);
    const answered = (decisionsById.get(id) ?? []).some((a) => a.user === record.decidedBy && (a.requestBody as { decision: string }).decision === record.decision);
    if (!answered) fail('decision-record-answered', id, `records ${record.decision} by ${record.decidedBy}, which no accepted (2xx) decision call made`);
  }

  // ---- the root window: opened only after an approval, always closed (or an operator alarm names it) -------------
  const windowAccounts = new Set<string>(facts.windowSeen);
  for (const account of facts.accounts) if (account.rootCredentials.passwordPresent) windowAccounts.add(account.accountId);
  for (const { id, view } of facts.requests) {
    const opened = view?.timeline.find((t) => t.stage === 'root-window-open');
    if (!view || !opened) continue;
    if (view.accountId) windowAccounts.add(view.accountId);
    const d = view.decision;
    if (!d || d.decision !== 'approve-remediation' || !eligibleDecider(d.decidedBy, id) || time(d.decidedAt) > time(opened.enteredAt)) {
      fail('window-after-approval', id, `root window opened at ${opened.enteredAt}; decision on record: ${d ? `${d.decision} by ${d.decidedBy} at ${d.decidedAt}` : 'none'}`);
    }
  }
  for (const accountId of windowAccounts) {
    const account = facts.accounts.find((a) => a.accountId === accountId);
    if (!account) continue;
    const id = requestIdForEmail(account.email);
    const approved = acceptedDecisions.some(
      (a) => idOfPath(a.path) === id && (a.requestBody as { decision: string }).decision === 'approve-remediation' && eligibleDecider(a.user, id),
    );
    if (!approved) fail('window-after-approval', id, `account ${accountId} had a root window, but no approver other than the requester approved a remediation`);
    // Credentials planted after the window's recorded close are not the window's to delete.
    const closedAt = time(views.get(id)?.rootWindow?.closedAt);
    if (facts.plants.some((p) => p.accountId === accountId && p.at > closedAt)) continue;
    const c = account.rootCredentials;
    const left = [c.passwordPresent ? 'password' : '', c.mfaDevices ? `${c.mfaDevices} mfa` : '', c.accessKeys ? `${c.accessKeys} access keys` : '', c.signingCertificates ? `${c.signingCertificates} certificates` : ''].filter(Boolean);
    if (left.length > 0 && !criticalAlarm(accountId)) {
      fail('window-closed-or-alarmed', accountId, `root credentials remain (${left.join(', ')}) after request ${id} ended at ${views.get(id)?.stage ?? '?'} (${views.get(id)?.execution ?? '?'}), and no critical operator alarm names the account`);
    }
  }

  // ---- `completed` only on evidence or a four-eyes statement ---------------------------------------------------
  for (const { id, view } of facts.requests) {
    if (view?.stage !== 'completed') continue;
    const evidence = view.billingAccess?.evidence ?? [];
    const why = completedBecause(view, evidence, confirmations, id, eligibleDecider, requesterOf(id));
    if (!why.ok) fail('completed-justified', id, why.detail);
  }

  // ---- the API: no 5xx, every refusal in the error shape, nothing started by a refusal ----------------------------
  for (const e of facts.exchanges) {
    const what = `${e.method} ${e.path} by ${e.user ?? 'nobody'} (${e.by})`;
    if (e.status === 0) fail('api-answers', what, e.error ?? 'no answer');
    if (e.status >= 500) fail('api-no-5xx', what, `${e.status} ${JSON.stringify(e.body).slice(0, 300)}`);
    if (e.status >= 400) {
      const error = (e.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
        fail('api-error-shape', what, `${e.status} answered ${JSON.stringify(e.body).slice(0, 200)}`);
      }
    }
  }
  for (const id of facts.startedWorkflowIds) {
    if (!acceptedIds.has(id)) fail('no-start-on-refusal', id, 'a vending workflow runs for it, but the API accepted no request with this id');
  }
  const byKey = new Map<string, Set<string>>();
  for (const e of acceptedSubmits) {
    if (e.idempotencyKey === undefined) continue;
    const k = `${e.user}/${e.idempotencyKey}`;
    byKey.set(k, (byKey.get(k) ?? new Set()).add((e.body as { id: string }).id));
  }
  for (const [k, ids] of byKey) {
    if (ids.size > 1) fail('idempotency-key-one-request', k, `one Idempotency-Key of one requester was accepted for ${ids.size} requests: ${[...ids].join(', ')}`);
  }

  checkClosures(facts, fail);
  checkBaselines(facts, fail);
  return violations;
}

type Fail = (invariant: InvariantName, subject: string, detail: string) => void;

const closureIdOfPath = (path: string) => /^\/v1\/closure-requests\/([^/?]+)/.exec(path)?.[1];
/** AWS's states of an account CloseAccount was accepted for. */
const CLOSED_STATES = ['PENDING_CLOSURE', 'SUSPENDED', 'CLOSED'];

/**
 * Closures: an account is closed only after an approval by an approver who did not ask (once per run), never the
 * management account or a protected OU's, and a cancelled (or rejected) closure leaves the account where it was.
 */
function checkClosures(facts: Facts, fail: Fail): void {
  const views = new Map(facts.closures.map((c) => [c.id, c.view]));
  const asks = facts.exchanges.filter((e) => e.method === 'POST' && e.path === '/v1/closure-requests');
  const decisions = facts.exchanges.filter((e) => e.method === 'POST' && /^\/v1\/closure-requests\/[^/]+\/decision$/.test(e.path) && is2xx(e));
  /** A closure's runs: each 202 answer started one (a cancelled or ended closure may be asked for again). */
  const starts = (id: string) =>
    asks
      .filter((e) => e.status === 202 && (e.body as { id?: unknown })?.id === id)
      .sort((a, b) => a.answeredAt - b.answeredAt);
  /** Who asked for the run a call at `at` went to: the user of the last start before it, else the closure's word. */
  const requesterAt = (id: string, at: number) => starts(id).filter((s) => s.answeredAt <= at).at(-1)?.user?.toString() ?? views.get(id)?.requester;
  const eligible = (user: string | undefined, requester: string | undefined) => user !== undefined && holdsRole(user, 'approver') && user !== requester;
  const decisionOf = (e: Exchange) => (e.requestBody as { decision?: string } | undefined)?.decision;

  for (const id of facts.unsettledClosures) fail('closure-settles', id, `still running after settling (stage ${views.get(id)?.stage ?? '?'})`);

  // ---- four eyes: every accepted decision and the recorded one by an approver who did not ask; one per run ------
  const byClosure = new Map<string, Exchange[]>();
  for (const d of decisions) {
    const id = closureIdOfPath(d.path)!;
    byClosure.set(id, [...(byClosure.get(id) ?? []), d]);
  }
  for (const [id, accepted] of byClosure) {
    const runStarts = starts(id).map((s) => s.answeredAt);
    const perRun = new Map<number, Exchange[]>();
    for (const d of accepted) {
      const run = runStarts.filter((t) => t <= d.sentAt).length;
      perRun.set(run, [...(perRun.get(run) ?? []), d]);
      const requester = requesterAt(id, d.sentAt);
      if (!eligible(d.user, requester)) fail('closure-decider-allowed', id, `${d.user}'s ${decisionOf(d)} was accepted; the closure's requester is ${requester}: approvers only, never the requester`);
    }
    for (const [, inRun] of perRun) {
      if (inRun.length > 1) fail('one-decision-per-closure', id, `${inRun.length} decisions answered 2xx in one run: ${inRun.map((d) => `${d.user} ${decisionOf(d)}`).join(', ')}`);
    }
  }
  for (const { id, view } of facts.closures) {
    const d = view?.decision;
    if (d && !eligible(d.decidedBy, view.requester)) fail('closure-decider-allowed', id, `the recorded decider ${d.decidedBy} is not an approver other than the requester ${view.requester}`);
  }

  // ---- closed only on an approval -----------------------------------------------------------------------------
  for (const a of facts.accountClosures) {
    if (!CLOSED_STATES.includes(a.state)) continue;
    const id = closureIdForAccount(a.accountId);
    const approved = (byClosure.get(id) ?? []).some((d) => decisionOf(d) === 'approve' && eligible(d.user, requesterAt(id, d.sentAt)));
    if (!approved) {
      const view = views.get(id);
      fail('closure-only-approved', a.accountId, `${a.state} in AWS, but no approver other than the requester had an approval of ${id} accepted (closure at ${view?.stage ?? 'unknown'}, decision ${view?.decision ? `${view.decision.decision} by ${view.decision.decidedBy}` : 'none'})`);
    }
  }

  // ---- never the management account or a protected OU's ---------------------------------------------------------
  const untouchable = [facts.managementAccountId, ...facts.protectedAccountIds];
  for (const accountId of untouchable) {
    const closed = facts.accountClosures.find((a) => a.accountId === accountId);
    if (closed) fail('closure-never-protected', accountId, `CloseAccount was accepted for it (${closed.state})`);
    if (facts.parents[accountId] !== undefined && facts.parents[accountId] === facts.quarantineOuId) fail('closure-never-protected', accountId, 'it sits in the quarantine OU');
    const accepted = asks.filter((e) => is2xx(e) && (e.requestBody as { accountId?: unknown } | undefined)?.accountId === accountId);
    if (accepted.length > 0) fail('closure-never-protected', accountId, `a closure of it was accepted: ${accepted.map((e) => `${e.user} -> ${e.status}`).join(', ')}`);
    const view = views.get(closureIdForAccount(accountId));
    if (view && view.stage !== 'failed') fail('closure-never-protected', accountId, `its closure reached ${view.stage}`);
  }

  // ---- a cancelled (or rejected) closure leaves the account where it was -----------------------------------------
  for (const { id, view } of facts.closures) {
    if (!view || (view.stage !== 'cancelled' && view.stage !== 'rejected')) continue;
    const accountId = view.accountId ?? facts.closureAccounts[id];
    const before = facts.placementsBefore[accountId] ?? view.quarantine?.sourceParentId;
    const now = facts.parents[accountId];
    const when = view.cancellation ? `cancelled by ${view.cancellation.cancelledBy} at ${view.cancellation.stage}` : view.stage;
    if (before === undefined || now === undefined) {
      if (view.quarantine?.quarantinedAt) fail('closure-cancel-restores', accountId, `${id} was quarantined and ${when}, but where the account sits could not be read`);
      continue;
    }
    if (now !== before) fail('closure-cancel-restores', accountId, `${id} ${when}: the account sits in ${now}, it was in ${before}${now === facts.quarantineOuId ? ' (the quarantine OU)' : ''}`);
    const closed = facts.accountClosures.find((a) => a.accountId === accountId && CLOSED_STATES.includes(a.state));
    if (closed) fail('closure-cancel-restores', accountId, `${id} ${when}, yet the account is ${closed.state} in AWS`);
  }
}

/** The day-1 baseline: a completed request finished every step, and nothing was assigned twice. */
function checkBaselines(facts: Facts, fail: Fail): void {
  for (const { id, view } of facts.requests) {
    if (view?.stage !== 'completed' || !view.baseline) continue;
    const unfinished = view.baseline.steps.filter((s) => s.state !== 'done' && s.state !== 'skipped');
    if (unfinished.length > 0) fail('baseline-steps-finished', id, `completed with ${view.baseline.blueprint.name}, but steps ${unfinished.map((s) => `${s.step}=${s.state}`).join(', ')}`);
  }
  for (const [assignment, count] of Object.entries(facts.assignmentCreations)) {
    if (count !== 1) fail('baseline-assignment-once', assignment, `CreateAccountAssignment accepted ${count} times`);
  }
}

/**
 * Why a request may be `completed`: billing access defaulted on; an attestation by an approver other than the
 * requester; CloudTrail evidence of the console step inside the window; or a confirmation by someone other than the
 * requester, followed by a re-check whose evidence was recorded after the confirmation.
 */
function completedBecause(
  view: RequestView,
  evidence: EvidenceView[],
  confirmations: Exchange[],
  id: string,
  eligibleDecider: (user: string | undefined, id: string) => boolean,
  requester: string | undefined,
): { ok: true } | { ok: false; detail: string } {
  if (view.billingAccess?.verdict === 'defaulted-on') return { ok: true };
  const d = view.decision;
  if (d?.decision === 'attest-enabled') {
    return eligibleDecider(d.decidedBy, id) ? { ok: true } : { ok: false, detail: `completed on an attestation by ${d.decidedBy}, who may not decide` };
  }
  const w = view.rootWindow;
  const opened = time(w?.openedAt);
  if (w?.closedBecause === 'cloudtrail-evidence') {
    const seen = evidence.some((e) => e.source === 'cloudtrail-lookup' && e.indicates === 'on' && time(e.checkedAt) >= opened);
    return seen ? { ok: true } : { ok: false, detail: 'completed on CloudTrail evidence that is not on record from inside the window' };
  }
  if (w?.closedBecause === 'confirmed') {
    if (!w.confirmedBy || w.confirmedBy === requester) {
      return { ok: false, detail: `completed on a confirmation by ${w.confirmedBy ?? 'nobody'}, the requester is ${requester}: another person must confirm` };
    }
    const confirmedAt =
      time(w.confirmedAt) ||
      Math.min(...confirmations.filter((c) => is2xx(c) && idOfPath(c.path) === id).map((c) => c.sentAt));
    const recheck = evidence.find((e) => e.source !== 'create-account-request' && e.indicates === 'on' && time(e.checkedAt) >= confirmedAt);
    return recheck
      ? { ok: true }
      : { ok: false, detail: `completed on ${w.confirmedBy}'s confirmation with no evidence recorded after it (verdict ${view.billingAccess?.verdict}, evidence: ${evidence.map((e) => `${e.source}=${e.indicates}@${e.checkedAt}`).join(', ')})` };
  }
  return { ok: false, detail: `completed with verdict ${view.billingAccess?.verdict ?? 'none'}, decision ${d?.decision ?? 'none'}, window closed because ${w?.closedBecause ?? 'no window'}` };
}
