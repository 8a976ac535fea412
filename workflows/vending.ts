/**
 * The vending workflow: one durable run per requested account. The stage machine is `vendAccount`; each stage's
 * details live in the functions below it. Deterministic code only: every AWS call is an activity.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  confirmRemediationUpdate,
  decideUpdate,
  DecisionSchema,
  RemediationConfirmationSchema,
  statusQuery,
  VendingInputSchema,
  type BillingAccessAssessment,
  type DecisionRecord,
  type EvidenceRecord,
  type VendingInputArg,
  type VendingResult,
  type RootWindowRecord,
} from '../contract/vending';
import { vendingTags } from '../contract/account-tags';
import { type Notification } from '../contract/notifications';
import { vendingActivities, type VendingActivityProxies } from './activity-proxies';
import { decideBillingAccess } from './billing-verdict';
import { creationSlotHolder } from './creation-slot-holder';
import { refuse, VendingRun } from './vending-run';

/** How many times a creation that AWS failed for a transient reason (INTERNAL_FAILURE, ...) is started again. */
const MAX_CREATION_ATTEMPTS = 5;

export async function vendAccount(rawInput: VendingInputArg): Promise<VendingResult> {
  const input = VendingInputSchema.parse(rawInput);
  const run = new VendingRun(input);
  const acts = vendingActivities(input.policy);
  const window: { confirmation?: { confirmedBy: string; note: string } } = {};

  setHandler(statusQuery, () => run.status);
  setHandler(decideUpdate, (decision) => run.recordDecision(DecisionSchema.parse(decision)), {
    validator: (decision) => run.validateDecision(parseUpdate(DecisionSchema, decision)),
  });
  setHandler(
    confirmRemediationUpdate,
    (confirmation) => {
      window.confirmation = RemediationConfirmationSchema.parse(confirmation);
      return run.status.rootWindow ?? {};
    },
    {
      validator: (confirmation) => {
        parseUpdate(RemediationConfirmationSchema, confirmation);
        if (run.stage !== 'root-window-open') throw refuse('WrongStage', `no root window is open: the request is at stage ${run.stage}`);
      },
    },
  );

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
    if (assessment.verdict === 'defaulted-on') return await finish(run, acts, 'completed');

    run.enter('awaiting-decision', `billing access is ${assessment.verdict}`);
    const decision = await awaitDecision(run, acts);
    if (!decision) return await finish(run, acts, 'needs-attention', 'no decision before the deadline');
    if (decision.decision === 'reject') return await finish(run, acts, 'rejected', decision.reason);
    if (decision.decision === 'attest-enabled') {
      return await finish(run, acts, 'completed', `${decision.decidedBy} attested that billing access is on`);
    }

    const closedBecause = await withRootWindow(run, acts, accountId, () => awaitRemediation(run, acts, accountId, window));
    return closedBecause === 'deadline'
      ? await finish(run, acts, 'needs-attention', 'the root window closed at its deadline without remediation')
      : await finish(run, acts, 'completed', `remediated (${closedBecause})`);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => finish(run, acts, 'cancelled'));
      throw err;
    }
    const failure = err instanceof ApplicationFailure ? err : undefined;
    const cause = failure ?? (err as Error);
    const message = describeFailure(cause);
    run.fail(message, failure?.type ?? undefined);
    await notify(acts, run, 'failed', 'requester', message);
    throw ApplicationFailure.nonRetryable(message, failure?.type ?? 'VendingFailed');
  }
}

// ---- stage details -----------------------------------------------------------------------------------------------

/**
 * Reconciled creation: adopt what an earlier attempt started; re-create only after a transient FAILED. Each attempt
 * holds one of the organization's creation slots from CreateAccount until the status is final (the patch keeps
 * requests started before the coordinator existed on their recorded path).
 */
async function createAccount(run: VendingRun, acts: VendingActivityProxies): Promise<string> {
  const slots = patched('org-creation-slots') ? creationSlotHolder(acts) : undefined;
  for (let attempt = 1; ; attempt++) {
    const release = (await slots?.acquire()) ?? (async () => undefined);
    try {
      const created = await createOnce(run, acts);
      if (created.accountId) return created.accountId;
      if (created.retry) {
        if (attempt >= MAX_CREATION_ATTEMPTS) {
          throw ApplicationFailure.nonRetryable(
            `account creation failed ${attempt} times, last with ${created.retry.reason}`,
            'AccountCreationFailed',
          );
        }
        run.status.timeline.push({
          stage: 'creating',
          enteredAt: new Date().toISOString(),
          note: `${created.retry.reason}: ${created.retry.explanation}`,
        });
      }
    } finally {
      await release();
    }
  }
}

/** One creation attempt: the account id, or why it must be tried again (transient FAILED, another's account). */
async function createOnce(
  run: VendingRun,
  acts: VendingActivityProxies,
): Promise<{ accountId?: string; retry?: { reason: string; explanation: string } }> {
  const { request, requester } = run.input;
  const outcome = await acts.creation.requestAccountCreation({
    requestId: workflowInfo().workflowId,
    accountName: request.accountName,
    email: request.email,
    requester,
    tags: request.tags ?? {},
  });
  if (outcome.kind === 'existing') {
    run.setAccountId(outcome.accountId);
    return { accountId: outcome.accountId };
  }
  run.status.createAccountRequestId = outcome.createAccountRequestId;
  const status = await acts.creationStatus.awaitAccountCreation(outcome.createAccountRequestId);
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
  const now = () => new Date().toISOString();
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
  const pending = { since: new Date().toISOString(), deadline: new Date(deadline).toISOString(), remindersSent: 0 };
  run.status.pendingDecision = pending;
  const verdict = run.status.billingAccess?.verdict;
  await notify(acts, run, 'decision-needed', 'approvers', `billing access is ${verdict}: approve the root remediation, attest, or reject`);
  while (!run.status.decision) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const decided = await condition(() => run.status.decision !== undefined, Math.min(remaining, decisionReminderIntervalMs));
    if (!decided && Date.now() < deadline) {
      pending.remindersSent++;
      await notify(acts, run, 'decision-reminder', 'approvers', `still waiting for a decision (deadline ${pending.deadline})`);
    }
  }
  run.status.pendingDecision = undefined;
  return run.status.decision;
}

/**
 * Opens the root window, runs `inside`, and closes the window on every path: success, deadline, failure and
 * cancellation. A post-audit that still finds root credentials fails the request loudly.
 */
async function withRootWindow(
  run: VendingRun,
  acts: VendingActivityProxies,
  accountId: string,
  inside: () => Promise<string>,
): Promise<string> {
  const record: RootWindowRecord = {};
  run.status.rootWindow = record;
  run.enter('root-window-open');
  let closedBecause = 'failure';
  try {
    record.preAudit = await acts.root.auditRootCredentials(accountId);
    await acts.root.allowRootPasswordRecovery(accountId);
    record.openedAt = new Date().toISOString();
    closedBecause = await inside();
    return closedBecause;
  } catch (err) {
    if (isCancellation(err)) closedBecause = 'cancelled';
    throw err;
  } finally {
    await CancellationScope.nonCancellable(async () => {
      run.enter('closing-root-window', closedBecause);
      await acts.root.deleteRootCredentials(accountId);
      record.postAudit = await acts.root.auditRootCredentials(accountId);
      record.closedAt = new Date().toISOString();
      record.closedBecause = closedBecause;
      const left = record.postAudit;
      const remaining = [
        left.passwordPresent ? 'a password' : '',
        left.mfaDevices ? `${left.mfaDevices} MFA device(s)` : '',
        left.accessKeys ? `${left.accessKeys} access key(s)` : '',
        left.signingCertificates ? `${left.signingCertificates} signing certificate(s)` : '',
      ].filter(Boolean);
      await notify(acts, run, 'root-window-closed', 'approvers', `root window closed (${closedBecause})`);
      if (remaining.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `ROOT CREDENTIALS REMAIN on account ${accountId} after the root window closed: ${remaining.join(', ')}`,
          'RootCredentialsRemain',
        );
      }
    });
  }
}

/** Inside the window: tell the root mailbox owner what to do, then wait for a confirmation or CloudTrail evidence. */
async function awaitRemediation(
  run: VendingRun,
  acts: VendingActivityProxies,
  accountId: string,
  window: { confirmation?: { confirmedBy: string; note: string } },
): Promise<string> {
  const { rootWindowDeadlineMs, rootWindowEvidencePollMs, rootMailboxOwner, billingVerification } = run.input.policy;
  const record = run.status.rootWindow as RootWindowRecord;
  const deadline = Date.now() + rootWindowDeadlineMs;
  await notify(
    acts,
    run,
    'root-window-opened',
    rootMailboxOwner ?? 'root mailbox owner',
    `Root password recovery is allowed on account ${accountId} until ${new Date(deadline).toISOString()}. ` +
      '1) Open the AWS sign-in page, choose Root user, enter the account email and use "Forgot password". ' +
      '2) Reset the password from the mail and sign in (register MFA if asked). ' +
      '3) Account page -> "IAM user and role access to Billing information" -> Edit -> Activate IAM Access -> Update. ' +
      '4) Sign out and confirm in the request. The root credentials are deleted when the window closes.',
  );
  for (;;) {
    if (window.confirmation) {
      record.confirmedBy = window.confirmation.confirmedBy;
      return 'confirmed';
    }
    if (billingVerification.cloudTrailLookup) {
      try {
        const evidence = await acts.evidence.lookupBillingAccessEvents({ accountId, since: record.openedAt });
        if (evidence.indicates === 'on') {
          run.status.billingAccess?.evidence.push(evidence);
          return 'cloudtrail-evidence';
        }
      } catch (err) {
        if (isCancellation(err)) throw err;
        // No answer this round; the next poll tries again.
      }
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return 'deadline';
    await condition(() => window.confirmation !== undefined, Math.min(remaining, rootWindowEvidencePollMs));
  }
}

async function finish(
  run: VendingRun,
  acts: VendingActivityProxies,
  stage: 'completed' | 'needs-attention' | 'rejected' | 'cancelled',
  note?: string,
): Promise<VendingResult> {
  run.enter(stage, note);
  const audience = stage === 'needs-attention' ? 'operators' : 'requester';
  if (stage !== 'cancelled') await notify(acts, run, stage === 'needs-attention' ? 'needs-attention' : 'completed', audience, note ?? stage);
  return run.status;
}

/** Best effort: a notification that keeps failing is logged by Temporal and does not hold the request up. */
async function notify(
  acts: VendingActivityProxies,
  run: VendingRun,
  kind: Notification['kind'],
  audience: string,
  message: string,
): Promise<void> {
  try {
    await acts.notifier.notify({
      kind,
      requestId: workflowInfo().workflowId,
      accountName: run.input.request.accountName,
      accountId: run.status.accountId,
      audience,
      message,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
  }
}

/** Validates an update's input; a malformed one is refused (typed) before anything reaches history. */
function parseUpdate<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw refuse('InvalidInput', result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
}

function describeFailure(err: Error): string {
  // Activity failures wrap the activity's own failure as cause; its message is the one a person can act on.
  let current: Error | undefined = err;
  while (current && 'cause' in current && current.cause instanceof Error) current = current.cause;
  return (current ?? err).message;
}
