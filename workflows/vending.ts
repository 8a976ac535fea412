/**
 * The vending workflow: one durable run per requested account. The stage machine is `vendAccount`; each stage's
 * details live in the functions below it. Deterministic code only: every AWS call is an activity. Behaviour changes
 * that running histories could meet are gated by the patches in patches.ts.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setHandler,
  sleep,
  TemporalFailure,
  workflowInfo,
} from '@temporalio/workflow';
import {
  confirmRemediationUpdate,
  decideUpdate,
  readVendingInput,
  remainingRootCredentials,
  statusQuery,
  type BillingAccessAssessment,
  type DecisionInput,
  type DecisionRecord,
  type EvidenceRecord,
  type RemediationConfirmation,
  type VendingResult,
  type RootWindowRecord,
} from '../contract/vending';
import { vendingTags } from '../contract/account-tags';
import { RequestFailure } from '../contract/failures';
import { type NotificationInput, type SafetyAlarm } from '../contract/notifications';
import { vendingActivities, type VendingActivityProxies } from './activity-proxies';
import { applyBaseline } from './baseline';
import { decideBillingAccess } from './billing-verdict';
import { creationSlotHolder } from './creation-slot-holder';
import { PATCHES } from './patches';
import { VendingRun } from './vending-run';

/** How many times a creation that AWS failed for a transient reason (INTERNAL_FAILURE, ...) is started again. */
const MAX_CREATION_ATTEMPTS = 5;
/** How many times a creation AWS lost track of (vanished) is reconciled and started again. */
const MAX_VANISHED_CREATIONS = 3;
/** How long AWS may keep refusing CreateAccount for its creation limit before the request gives up. */
const MAX_REFUSED_MS = 24 * 3_600_000;
/** Business validation takes hours: its retries wait this many creation-retry pauses. */
const PAUSE_FACTOR: Record<string, number> = { PENDING_BUSINESS_VALIDATION: 60 };

export async function vendAccount(rawInput: unknown): Promise<VendingResult> {
  const read = readVendingInput(rawInput);
  if ('problem' in read) throw ApplicationFailure.nonRetryable(`not a vending request: ${read.problem}`, RequestFailure.InvalidInput);
  const { input } = read;
  const run = new VendingRun(input);
  const acts = vendingActivities(input.policy);

  setHandler(statusQuery, () => run.status);
  setHandler(decideUpdate, (decision: DecisionInput) => run.recordDecision(decision), {
    validator: (decision) => run.validateDecision(decision),
  });
  setHandler(confirmRemediationUpdate, (confirmation: RemediationConfirmation) => run.recordConfirmation(confirmation), {
    validator: (confirmation) => run.validateConfirmation(confirmation),
  });

  try {
    run.enter('preflight');
    await acts.aws.checkPreflight({ organizationalUnit: input.request.organizationalUnit });

    run.enter('creating');
    const accountId = await createAccount(run, acts);

    run.enter('placing');
    await placeAccount(run, acts, accountId);

    run.enter('awaiting-ready');
    await acts.readiness.awaitAccountReady(accountId);

    run.enter('verifying-billing-access');
    const assessment = await verifyBillingAccess(run, acts, accountId);
    if ((await applyBaseline(run, acts, accountId)) === 'unresolved') return await finish(run, acts, 'needs-attention', 'a baseline step failed and no operator decided before the deadline');
    if (assessment.verdict === 'defaulted-on') return await finish(run, acts, 'completed');

    run.enter('awaiting-decision', `billing access is ${assessment.verdict}`);
    const decision = await awaitDecision(run, acts);
    if (!decision) return await finish(run, acts, 'needs-attention', 'no decision before the deadline');
    if (decision.decision === 'reject') return await finish(run, acts, 'rejected', decision.reason);
    if (decision.decision === 'attest-enabled') {
      return await finish(run, acts, 'completed', `${decision.decidedBy} attested that billing access is on`);
    }

    const closedBecause = await withRootWindow(run, acts, accountId, () => awaitRemediation(run, acts, accountId));
    return closedBecause === 'deadline'
      ? await finish(run, acts, 'needs-attention', windowDeadlineNote(run))
      : await finish(run, acts, 'completed', `remediated (${closedBecause})`);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => finish(run, acts, 'cancelled', cancelledNote(run)));
      throw err;
    }
    // Only request outcomes end the request here. Anything else (a TypeError, a bug) fails the workflow TASK, which
    // Temporal retries: a fixed deploy then resumes the request where it stood.
    if (!(err instanceof TemporalFailure)) throw err;
    const message = describeFailure(err);
    const type = failureType(err);
    run.fail(message, type);
    await notify(acts, run, { kind: 'failed', audience: 'requester', message });
    throw ApplicationFailure.nonRetryable(message, type ?? RequestFailure.VendingFailed);
  }
}

// ---- stage details -----------------------------------------------------------------------------------------------

/**
 * Reconciled creation: adopt what an earlier attempt started; re-create only after a transient FAILED (after a pause)
 * or a creation AWS lost. Each attempt holds one of the organization's creation slots from CreateAccount until the
 * status is final. From the moment CreateAccount may be sent until its outcome is known, a cancel waits: it must not
 * leave an account behind that no request knows.
 */
async function createAccount(run: VendingRun, acts: VendingActivityProxies): Promise<string> {
  const slots = patched(PATCHES.orgCreationSlots) ? creationSlotHolder(acts, run.input.policy.creationSlotWaitMs) : undefined;
  const { creationRetryPauseMs, creationRefusalBackoffMs } = run.input.policy;
  let refusedSince: number | undefined;
  let refusals = 0;
  let vanished = 0;
  for (let attempt = 1; ; ) {
    const release = (await slots?.acquire()) ?? (async () => undefined);
    let created: CreationAttempt;
    try {
      created = patched(PATCHES.cancelWaitsForCreation)
        ? await CancellationScope.nonCancellable(() => createOnce(run, acts))
        : await createOnce(run, acts);
      if (created.retry && attempt >= MAX_CREATION_ATTEMPTS) {
        throw ApplicationFailure.nonRetryable(`account creation failed ${attempt} times, last with ${created.retry.reason}`, RequestFailure.AccountCreationFailed);
      }
    } finally {
      await release();
    }
    if (created.accountId) return created.accountId;
    if (created.refused) {
      // Not an attempt: AWS did not start a creation. Back off (doubling, at most an hour) without holding a slot.
      refusedSince ??= Date.now();
      if (Date.now() - refusedSince > MAX_REFUSED_MS) {
        throw ApplicationFailure.nonRetryable(
          `AWS refused CreateAccount for a day (${created.refused.reason}: ${created.refused.explanation}); ask AWS Support about the organization's creation limits`,
          RequestFailure.AccountCreationRefused,
        );
      }
      const pause = Math.min(3_600_000, creationRefusalBackoffMs * 2 ** Math.min(refusals++, 12));
      run.note(`${created.refused.reason}: ${created.refused.explanation}; trying again in ${Math.round(pause / 1000)} s`);
      await sleep(pause);
      continue;
    }
    refusedSince = undefined;
    refusals = 0;
    if (created.vanished) {
      if (++vanished > MAX_VANISHED_CREATIONS) {
        throw ApplicationFailure.nonRetryable(`account creation vanished ${vanished} times: ${created.vanished}`, RequestFailure.AccountCreationFailed);
      }
      run.note(`${created.vanished}; reconciling and trying again`);
      continue;
    }
    if (created.retry) {
      run.note(`${created.retry.reason}: ${created.retry.explanation}`);
      if (patched(PATCHES.creationRetryPause)) await sleep(creationRetryPauseMs * (PAUSE_FACTOR[created.retry.reason] ?? 1));
    }
    attempt++;
  }
}

interface CreationAttempt {
  accountId?: string;
  retry?: { reason: string; explanation: string };
  refused?: { reason: string; explanation: string };
  vanished?: string;
}

/** One creation attempt: the account id, or why it must be tried again (transient FAILED, another's account, ...). */
async function createOnce(run: VendingRun, acts: VendingActivityProxies): Promise<CreationAttempt> {
  const { request, requester } = run.input;
  const requestId = workflowInfo().workflowId;
  const outcome = await acts.creation.requestAccountCreation({
    requestId,
    accountName: request.accountName,
    email: request.email,
    requester,
    tags: request.tags ?? {},
  });
  if (outcome.kind === 'existing') {
    run.setAccountId(outcome.accountId);
    return { accountId: outcome.accountId };
  }
  if (outcome.kind === 'refused') return { refused: outcome };
  run.status.createAccountRequestId = outcome.createAccountRequestId;
  let status;
  try {
    status = await acts.creationStatus.awaitAccountCreation(outcome.createAccountRequestId);
  } catch (err) {
    // EMAIL_ALREADY_EXISTS can be our own earlier CreateAccount that took effect late: look before giving up.
    if (creationFailureReason(err) !== 'EMAIL_ALREADY_EXISTS' || !patched(PATCHES.emailExistsReconciles)) throw err;
    const { accountId } = await acts.aws.findOwnAccount({ requestId, email: request.email, requester });
    if (!accountId) throw err;
    run.note(`EMAIL_ALREADY_EXISTS: the account is ours (${accountId}), created by an earlier attempt`);
    run.setAccountId(accountId);
    return { accountId };
  }
  if (status.state === 'VANISHED') return { vanished: status.explanation };
  if (status.state === 'SUCCEEDED') {
    // A creation adopted by name may be another request's with the same name: only ours counts.
    if (outcome.kind === 'in-flight' && !(await acts.aws.confirmAccountOwnership({ accountId: status.accountId, email: request.email }))) {
      return {};
    }
    run.setAccountId(status.accountId);
    return { accountId: status.accountId };
  }
  return { retry: { reason: status.reason, explanation: status.explanation } };
}

async function placeAccount(run: VendingRun, acts: VendingActivityProxies, accountId: string): Promise<void> {
  const { request, requester } = run.input;
  await acts.aws.placeAccount({
    accountId,
    organizationalUnit: request.organizationalUnit,
    tags: { ...(request.tags ?? {}), ...vendingTags(workflowInfo().workflowId, requester) },
  });
  if (request.alternateContacts && Object.keys(request.alternateContacts).length > 0) {
    await acts.aws.putAlternateContacts({ accountId, contacts: request.alternateContacts });
  }
}

/** Gathers the evidence the policy asks for and decides (workflows/billing-verdict.ts). */
async function verifyBillingAccess(run: VendingRun, acts: VendingActivityProxies, accountId: string): Promise<BillingAccessAssessment> {
  const config = run.input.policy.billingVerification;
  const evidence: EvidenceRecord[] = [
    {
      source: 'create-account-request',
      checkedAt: now(),
      indicates: 'unknown',
      detail: 'CreateAccount was sent with IamUserAccessToBilling=ALLOW; AWS does not report the flag back',
    },
  ];
  const gather = async (source: EvidenceRecord['source'], probe: () => Promise<EvidenceRecord>) => {
    try {
      evidence.push(await probe());
    } catch (err) {
      if (isCancellation(err)) throw err;
      evidence.push({ source, checkedAt: now(), indicates: 'unknown', detail: `no answer after retries: ${describeFailure(err as Error)}` });
    }
  };
  if (config.costExplorerProbe) await gather('cost-explorer-probe', () => acts.evidence.probeCostExplorerAccess(accountId));
  if (config.cloudTrailLookup) await gather('cloudtrail-lookup', () => acts.evidence.lookupBillingAccessEvents({ accountId }));
  if (config.operatorAttestation) {
    const a = config.operatorAttestation;
    evidence.push({
      source: 'operator-attestation',
      checkedAt: a.attestedAt,
      indicates: 'on',
      detail: `${a.attestedBy} attested that the organization's linked-account access is on${a.note ? `: ${a.note}` : ''}`,
    });
  }
  const assessment = { verdict: decideBillingAccess(evidence), evidence, decidedAt: now() };
  run.setBillingAccess(assessment);
  return assessment;
}

/** Waits for the decision update, reminding approvers; undefined when the deadline passes first. */
async function awaitDecision(run: VendingRun, acts: VendingActivityProxies): Promise<DecisionRecord | undefined> {
  const { decisionDeadlineMs, decisionReminderIntervalMs } = run.input.policy;
  const deadline = Date.now() + decisionDeadlineMs;
  const pending = { since: now(), deadline: new Date(deadline).toISOString(), remindersSent: 0 };
  run.status.pendingDecision = pending;
  const verdict = run.status.billingAccess?.verdict;
  await notify(acts, run, { kind: 'decision-needed', audience: 'approvers', message: `billing access is ${verdict}: approve the root remediation, attest, or reject` });
  while (!run.status.decision) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const decided = await condition(() => run.status.decision !== undefined, Math.min(remaining, decisionReminderIntervalMs));
    if (!decided && Date.now() < deadline) {
      pending.remindersSent++;
      await notify(acts, run, { kind: 'decision-reminder', audience: 'approvers', message: `still waiting for a decision (deadline ${pending.deadline})` });
    }
  }
  run.status.pendingDecision = undefined;
  return run.status.decision;
}

/**
 * Opens the root window, runs `inside`, and closes the window on every path: success, deadline, failure and
 * cancellation. A refused deletion or a post-audit that still finds root credentials raises an operator alarm and
 * fails the request loudly. Paths that skip this code (Terminate, Reset, the history limit) are the guardian's
 * (workflows/root-window-guardian.ts): the RootWindow search attribute tells it where a window may be open.
 */
async function withRootWindow(
  run: VendingRun,
  acts: VendingActivityProxies,
  accountId: string,
  inside: () => Promise<string>,
): Promise<string> {
  const record: RootWindowRecord = {};
  run.status.rootWindow = record;
  const staged = patched(PATCHES.rootWindowStates);
  if (staged) {
    run.enter('opening-root-window');
    run.setRootWindowState('opening');
  } else {
    run.enter('root-window-open');
  }
  let closedBecause = 'failure';
  try {
    record.preAudit = await acts.root.auditRootCredentials(accountId);
    await acts.root.allowRootPasswordRecovery(accountId);
    record.openedAt = now();
    if (staged) {
      run.enter('root-window-open');
      run.setRootWindowState('open');
    }
    closedBecause = await inside();
    return closedBecause;
  } catch (err) {
    if (isCancellation(err)) closedBecause = 'cancelled';
    throw err;
  } finally {
    await CancellationScope.nonCancellable(async () => {
      run.enter('closing-root-window', closedBecause);
      run.setRootWindowState('closing');
      let deletion: Awaited<ReturnType<typeof acts.root.deleteRootCredentials>>;
      try {
        deletion = await acts.root.deleteRootCredentials(accountId);
        record.postAudit = await acts.root.auditRootCredentials(accountId);
      } catch (err) {
        // AWS refused the root session itself, or kept failing past the deadline: the window may still be open.
        if (!isCancellation(err)) {
          await alarm(run, acts, 'root-credentials-remain', `could not close the root window on account ${accountId}: ${describeFailure(err as Error)}`);
        }
        throw err;
      }
      record.closedAt = now();
      record.closedBecause = closedBecause;
      const remaining = remainingRootCredentials(record.postAudit);
      const refused = deletion?.refused ?? [];
      if (refused.length > 0 && patched(PATCHES.safetyAlarms)) record.deletionRefused = refused;
      run.setRootWindowState(remaining.length > 0 ? 'credentials-remain' : 'closed');
      await notify(acts, run, { kind: 'root-window-closed', audience: 'approvers', message: `root window closed (${closedBecause})` });
      if (remaining.length > 0 || (refused.length > 0 && patched(PATCHES.safetyAlarms))) {
        const message =
          `ROOT CREDENTIALS REMAIN on account ${accountId} after the root window closed: ` +
          `${remaining.join(', ') || 'none found, but AWS refused deletions'}` +
          (refused.length > 0 ? `; AWS refused: ${refused.join('; ')}` : '');
        await alarm(run, acts, 'root-credentials-remain', message);
        throw ApplicationFailure.nonRetryable(message, RequestFailure.RootCredentialsRemain);
      }
    });
  }
}

/**
 * Inside the window: tell the root mailbox owner what to do, then wait for CloudTrail evidence of the change, or for
 * a confirmation (by someone other than the requester), which is re-checked against CloudTrail before it counts.
 */
async function awaitRemediation(run: VendingRun, acts: VendingActivityProxies, accountId: string): Promise<string> {
  const { rootWindowDeadlineMs, rootWindowEvidencePollMs, rootMailboxOwner, billingVerification } = run.input.policy;
  const record = run.status.rootWindow as RootWindowRecord;
  const deadline = Date.now() + rootWindowDeadlineMs;
  await notify(acts, run, {
    kind: 'root-window-opened',
    audience: rootMailboxOwner ?? 'root mailbox owner',
    message:
      `Root password recovery is allowed on account ${accountId} until ${new Date(deadline).toISOString()}. ` +
      '1) Open the AWS sign-in page, choose Root user, enter the account email and use "Forgot password". ' +
      '2) Reset the password from the mail and sign in (register MFA if asked). ' +
      '3) Account page -> "IAM user and role access to Billing information" -> Edit -> Activate IAM Access -> Update. ' +
      '4) Sign out and confirm in the request. The root credentials are deleted when the window closes.',
  });
  const rechecks = patched(PATCHES.confirmationRecheck);
  for (;;) {
    const confirmation = run.confirmation;
    if (confirmation && !confirmation.checked) {
      record.confirmedBy = confirmation.confirmedBy;
      if (!rechecks) return 'confirmed';
      record.confirmedAt = confirmation.at;
      const found = await recheckAfterConfirmation(run, acts, accountId, deadline);
      confirmation.checked = true;
      if (found === 'on') {
        record.confirmationCheck = 'CloudTrail shows billing access switched on';
        return 'confirmed';
      }
      record.confirmationCheck =
        found === 'off' ? 'CloudTrail shows billing access switched OFF' : 'CloudTrail shows no SetIAMAccessPreference since the window opened';
      run.note(`${confirmation.confirmedBy} confirmed, but ${record.confirmationCheck}; the window stays open`);
      await notify(acts, run, { kind: 'needs-attention', audience: 'approvers', message: `confirmation not verified: ${record.confirmationCheck}` });
    }
    if (billingVerification.cloudTrailLookup) {
      const evidence = await lookupSinceOpened(acts, accountId, record);
      if (evidence?.indicates === 'on') {
        run.status.billingAccess?.evidence.push(evidence);
        return 'cloudtrail-evidence';
      }
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return 'deadline';
    await condition(() => run.confirmation !== undefined && !run.confirmation.checked, Math.min(remaining, rootWindowEvidencePollMs));
  }
}

/** After a confirmation: CloudTrail, polled until it shows the change or the re-check time is up (events lag). */
async function recheckAfterConfirmation(run: VendingRun, acts: VendingActivityProxies, accountId: string, windowDeadline: number): Promise<EvidenceRecord['indicates']> {
  const { confirmationRecheckMs, rootWindowEvidencePollMs } = run.input.policy;
  const until = Math.min(windowDeadline, Date.now() + confirmationRecheckMs);
  const record = run.status.rootWindow as RootWindowRecord;
  for (;;) {
    const evidence = await lookupSinceOpened(acts, accountId, record);
    if (evidence && evidence.indicates !== 'unknown') {
      run.status.billingAccess?.evidence.push(evidence);
      return evidence.indicates;
    }
    if (Date.now() >= until) {
      if (evidence) run.status.billingAccess?.evidence.push(evidence);
      return 'unknown';
    }
    await sleep(Math.min(rootWindowEvidencePollMs, Math.max(1, until - Date.now())));
  }
}

async function lookupSinceOpened(acts: VendingActivityProxies, accountId: string, record: RootWindowRecord): Promise<EvidenceRecord | undefined> {
  try {
    return await acts.evidence.lookupBillingAccessEvents({ accountId, since: record.openedAt });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return undefined; // no answer this round; the next poll tries again
  }
}

async function finish(
  run: VendingRun,
  acts: VendingActivityProxies,
  stage: 'completed' | 'needs-attention' | 'rejected' | 'cancelled',
  note?: string,
): Promise<VendingResult> {
  run.enter(stage, note);
  if (stage === 'cancelled') {
    // Only when the cancel left an account behind: its requester must know what became of it.
    if (run.status.accountId && patched(PATCHES.cancelWaitsForCreation)) {
      await notify(acts, run, { kind: 'cancelled', audience: 'requester', message: note ?? stage });
    }
    return run.status;
  }
  const attention = stage === 'needs-attention';
  await notify(acts, run, { kind: attention ? 'needs-attention' : 'completed', audience: attention ? 'operators' : 'requester', message: note ?? stage });
  return run.status;
}

function cancelledNote(run: VendingRun): string | undefined {
  if (!run.status.accountId) return undefined;
  return (
    `cancelled after account ${run.status.accountId} was created: it stays in the organization, tagged with this ` +
    `request; ${run.input.requester} may request the same email again to adopt it, or close it`
  );
}

function windowDeadlineNote(run: VendingRun): string {
  const check = run.status.rootWindow?.confirmationCheck;
  return `the root window closed at its deadline without verified remediation${check ? ` (${check})` : ''}`;
}

/** An operator alarm: the run is marked (SafetyAlarm) and operators are notified at critical severity. */
async function alarm(run: VendingRun, acts: VendingActivityProxies, kind: SafetyAlarm, message: string): Promise<void> {
  if (run.raiseAlarm(kind)) await notify(acts, run, { kind, severity: 'critical', audience: 'operators', message });
}

/** Best effort: a notification that keeps failing is logged by Temporal and does not hold the request up. */
async function notify(
  acts: VendingActivityProxies,
  run: VendingRun,
  n: Pick<NotificationInput, 'kind' | 'audience' | 'message' | 'severity'>,
): Promise<void> {
  try {
    await acts.notifier.notify({
      ...n,
      requestId: workflowInfo().workflowId,
      accountName: run.input.request.accountName,
      accountId: run.status.accountId,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
  }
}

function now(): string {
  return new Date().toISOString();
}

/** The FailureReason of a creation that AWS ended FAILED with a final reason (activities/organizations.ts). */
function creationFailureReason(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || cause.type !== RequestFailure.AccountCreationFailed) return undefined;
  const details = cause.details?.[0] as { reason?: unknown } | undefined;
  return typeof details?.reason === 'string' ? details.reason : undefined;
}

/** The named failure type: the activity's own (ActivityFailure wraps it) or the workflow's. */
function failureType(err: TemporalFailure): string | undefined {
  for (let current: unknown = err; current; current = (current as { cause?: unknown }).cause) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
  }
  return undefined;
}

function describeFailure(err: Error): string {
  // Activity failures wrap the activity's own failure as cause; its message is the one a person can act on.
  let current: Error | undefined = err;
  while (current && 'cause' in current && current.cause instanceof Error) current = current.cause;
  return (current ?? err).message;
}
