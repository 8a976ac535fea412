/**
 * The account-closure workflow: one durable run per account closure (its id derives from the account id).
 *
 *   preflight -> awaiting-decision (four eyes, signed; reminders; deadline) -> quarantine (the account moves to the
 *   quarantine OU, the deny-all SCP is attached, the owner is told; a grace period in which a cancel restores it) ->
 *   closing (a slot from the org's closure coordinator, then CloseAccount, reconciled until SUSPENDED) -> suspended
 *   (AWS's 90-day reopen window, with a reminder before it ends) -> closed.
 *
 * A closure that cannot go on ends `rejected`, `cancelled`, `needs-attention` or `failed`, always saying what became of
 * the account. AWS's quota refusals never fail a closure: it waits in the coordinator's line. Once CloseAccount has
 * been sent nothing can cancel the closure (the cancel update is refused, a Temporal cancel is ignored and noted).
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  setHandler,
  sleep,
  TemporalFailure,
  workflowInfo,
} from '@temporalio/workflow';
import {
  cancelClosureUpdate,
  closureStatusQuery,
  decideClosureUpdate,
  readClosureInput,
  type ClosureCancellationInput,
  type ClosureDecisionInput,
  type ClosureDecisionRecord,
  type ClosureRecord,
  type ClosureStatus,
} from '../contract/closure';
import { type NotificationInput } from '../contract/notifications';
import { closureActivities, type ClosureActivityProxies } from './closure-activity-proxies';
import { ClosureRun } from './closure-run';
import { closureSlotHolder, type ClosureSlotHolder, type SlotTurn } from './closure-slot-holder';

export async function closeAccount(rawInput: unknown): Promise<ClosureStatus> {
  const read = readClosureInput(rawInput);
  if ('problem' in read) throw ApplicationFailure.nonRetryable(`not a closure request: ${read.problem}`, 'InvalidInput');
  const { input } = read;
  const run = new ClosureRun(input);
  const acts = closureActivities(input.policy);

  setHandler(closureStatusQuery, () => run.status);
  setHandler(decideClosureUpdate, (decision: ClosureDecisionInput) => run.recordDecision(decision), {
    validator: (decision) => run.validateDecision(decision),
  });
  setHandler(cancelClosureUpdate, (cancellation: ClosureCancellationInput) => run.recordCancellation(cancellation), {
    validator: (cancellation) => run.validateCancellation(cancellation),
  });

  try {
    run.enter('preflight');
    const preflight = await acts.aws.checkClosurePreflight({
      accountId: input.accountId,
      protectedOrganizationalUnitIds: input.protectedOrganizationalUnitIds,
      ...(input.quarantine.denyAllPolicyId ? { denyAllPolicyId: input.quarantine.denyAllPolicyId } : {}),
    });
    if (preflight.accountName && !run.status.accountName) run.status.accountName = preflight.accountName;

    run.enter('awaiting-decision');
    const decision = await awaitDecision(run, acts);
    if (run.cancelRequested) return await finish(run, acts, 'cancelled', `${cancelledNote(run)}; the account was not touched`);
    if (!decision) return await finish(run, acts, 'needs-attention', 'no decision before the deadline; the account was not touched');
    if (decision.decision === 'reject') return await finish(run, acts, 'rejected', `${decision.decidedBy}: ${decision.reason}`);

    run.enter('quarantine', `approved by ${decision.decidedBy}`);
    await quarantine(run, acts);
    if (await condition(() => run.cancelRequested, input.policy.gracePeriodMs)) return await restoreAndCancel(run, acts);

    run.enter('closing');
    const closing = await sendCloseAccount(run, acts);
    if (closing === 'cancelled') return await restoreAndCancel(run, acts);
    if (closing === 'no-slot') {
      const ou = run.status.quarantine?.quarantineParentId;
      return await finish(run, acts, 'needs-attention', `no closure slot within the slot deadline; the account stays in quarantine (${ou}): close it later or cancel`);
    }
    // From here nothing undoes the closure: a Temporal cancel is noted and ignored.
    CancellationScope.current().cancelRequested.catch(() => run.note('a cancel arrived after CloseAccount was sent: ignored; AWS Support can reopen the account within 90 days'));
    return await CancellationScope.nonCancellable(() => afterCloseAccount(run, acts, closing.release));
  } catch (err) {
    if (isCancellation(err)) {
      // A Temporal cancel (CLI, Web UI) before CloseAccount: the same as the cancel update.
      await CancellationScope.nonCancellable(async () => {
        run.status.cancellation ??= { cancelledBy: 'temporal-cancel', reason: 'cancelled through Temporal', cancelledAt: now(), stage: run.stage };
        if (run.status.quarantine && !run.status.quarantine.restoredAt) await restore(run, acts);
        await finish(run, acts, 'cancelled', cancelledNote(run));
      });
      throw err;
    }
    // Only closure outcomes end the closure here; anything else (a bug) fails the workflow TASK, which Temporal retries.
    if (!(err instanceof TemporalFailure)) throw err;
    const message = describeFailure(err);
    const type = failureType(err);
    const q = run.status.quarantine;
    const sent = run.status.closure?.closeRequestedAt;
    const where = sent ? ` (CloseAccount was sent at ${sent})` : q && !q.restoredAt ? ` (the account stays in quarantine OU ${q.quarantineParentId})` : '';
    run.fail(`${message}${where}`, type);
    await notify(acts, run, { kind: 'failed', audience: 'operators', message: `${message}${where}` });
    throw ApplicationFailure.nonRetryable(`${message}${where}`, type ?? 'ClosureFailed');
  }
}

// ---- stage details -------------------------------------------------------------------------------------------------

/** Waits for the signed decision (or a cancel), reminding approvers; undefined when the deadline passes first. */
async function awaitDecision(run: ClosureRun, acts: ClosureActivityProxies): Promise<ClosureDecisionRecord | undefined> {
  const { decisionDeadlineMs, decisionReminderIntervalMs } = run.input.policy;
  const deadline = Date.now() + decisionDeadlineMs;
  const pending = { since: now(), deadline: new Date(deadline).toISOString(), remindersSent: 0 };
  run.status.pendingDecision = pending;
  await notify(acts, run, { kind: 'decision-needed', audience: 'approvers', message: `close account ${run.input.accountId}? ${run.input.reason}` });
  const settled = () => run.status.decision !== undefined || run.cancelRequested;
  while (!settled()) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    if (!(await condition(settled, Math.min(remaining, decisionReminderIntervalMs))) && Date.now() < deadline) {
      pending.remindersSent++;
      await notify(acts, run, { kind: 'decision-reminder', audience: 'approvers', message: `still waiting for a closure decision (deadline ${pending.deadline})` });
    }
  }
  run.status.pendingDecision = undefined;
  return run.status.decision;
}

/** Records where the account is, then moves it to the quarantine OU and attaches the deny-all SCP; tells the owner. */
async function quarantine(run: ClosureRun, acts: ClosureActivityProxies): Promise<void> {
  const { accountId, quarantine: config, policy } = run.input;
  const before = await acts.aws.readPlacement(accountId);
  // The SCP is detached again on restore only when quarantine attached it.
  const attach = config.denyAllPolicyId && !before.policyIds.includes(config.denyAllPolicyId) ? config.denyAllPolicyId : undefined;
  run.status.quarantine = {
    sourceParentId: before.parentId,
    quarantineParentId: config.organizationalUnitId,
    ...(attach ? { attachedPolicyId: attach } : {}),
    policiesBefore: before.policyIds,
  };
  await acts.aws.quarantineAccount({ accountId, quarantineParentId: config.organizationalUnitId, ...(attach ? { denyAllPolicyId: attach } : {}) });
  const graceEndsAt = new Date(Date.now() + policy.gracePeriodMs).toISOString();
  Object.assign(run.status.quarantine, { quarantinedAt: now(), graceEndsAt });
  const message =
    `account ${accountId} was moved to the quarantine OU${attach ? ' with a deny-all SCP' : ''} and will be closed after ${graceEndsAt}; ` +
    `${run.input.requester} or an operator can cancel until then (the account is then restored)`;
  await notify(acts, run, { kind: 'account-quarantined', audience: ownerAudience(run), message });
}

async function restore(run: ClosureRun, acts: ClosureActivityProxies): Promise<void> {
  const q = run.status.quarantine;
  if (!q) return;
  await acts.restore.restoreAccount({ accountId: run.input.accountId, toParentId: q.sourceParentId, ...(q.attachedPolicyId ? { detachPolicyId: q.attachedPolicyId } : {}) });
  q.restoredAt = now();
}

async function restoreAndCancel(run: ClosureRun, acts: ClosureActivityProxies): Promise<ClosureStatus> {
  await restore(run, acts);
  const restored = run.status.quarantine ? `; the account is back in ${run.status.quarantine.sourceParentId}${run.status.quarantine.attachedPolicyId ? ' without the deny-all SCP' : ''}` : '';
  if (run.status.quarantine) await notify(acts, run, { kind: 'account-restored', audience: ownerAudience(run), message: `closure cancelled${restored}` });
  return finish(run, acts, 'cancelled', `${cancelledNote(run)}${restored}`);
}

type Closing = 'cancelled' | 'no-slot' | { release: () => Promise<void> };

/**
 * Waits for a slot, then sends CloseAccount. AWS's quota and requests-limit refusals send the closure back to the
 * head of the line (never a failure). A cancel is honoured until the moment CloseAccount may be sent.
 */
async function sendCloseAccount(run: ClosureRun, acts: ClosureActivityProxies): Promise<Closing> {
  const { policy } = run.input;
  const slots = closureSlotHolder(acts, { waitMs: policy.slotWaitMs, deadlineMs: policy.slotDeadlineMs, stop: () => run.cancelRequested });
  const record: ClosureRecord = { slotAskedAt: now() };
  run.status.closure = record;
  try {
    return await closeWhenGranted(run, acts, slots, record, await slots.acquire());
  } catch (err) {
    // A Temporal cancel while waiting in line: leave the line (the cancel path restores the account).
    if (isCancellation(err)) await slots.release('not-sent');
    throw err;
  }
}

async function closeWhenGranted(run: ClosureRun, acts: ClosureActivityProxies, slots: ClosureSlotHolder, record: ClosureRecord, first: SlotTurn): Promise<Closing> {
  const { policy, accountId } = run.input;
  let turn = first;
  for (;;) {
    if (turn !== 'granted' || run.cancelRequested) {
      await slots.release('not-sent');
      return turn === 'deadline' && !run.cancelRequested ? 'no-slot' : 'cancelled';
    }
    record.slotGrantedAt ??= now();
    // The point of no return: from here the cancel update is refused (checked and set in this same workflow task), and a
    // Temporal cancel must not interrupt a CloseAccount that AWS may carry out: its outcome is awaited in any case.
    run.closeSent = true;
    let outcome;
    try {
      outcome = await CancellationScope.nonCancellable(() => acts.close.closeMemberAccount(accountId));
    } catch (err) {
      await slots.release('not-sent');
      throw err;
    }
    if (outcome.kind === 'refused') {
      run.closeSent = false;
      record.refusals = (record.refusals ?? 0) + 1;
      run.note(`AWS refused CloseAccount (${outcome.reason}); waiting in line for the next slot`);
      const quota = outcome.reason === 'CLOSE_ACCOUNT_QUOTA_EXCEEDED';
      turn = await slots.refusedWaitAgain(quota ? 'refused-quota' : 'refused-limit', quota ? policy.slotWaitMs : Math.min(policy.slotWaitMs, 60_000));
      continue;
    }
    record.closeRequestedAt = now();
    record.awsState = outcome.kind === 'already' ? outcome.state : 'PENDING_CLOSURE';
    if (outcome.kind === 'already') run.note(`the account was already ${outcome.state} (an earlier CloseAccount took effect)`);
    return { release: () => slots.release('closed') };
  }
}

/** PENDING_CLOSURE until SUSPENDED, then the reopen window with its reminder, then closed. Not cancellable. */
async function afterCloseAccount(run: ClosureRun, acts: ClosureActivityProxies, releaseSlot: () => Promise<void>): Promise<ClosureStatus> {
  const { accountId, policy } = run.input;
  const record = run.status.closure ?? {};
  await notify(acts, run, { kind: 'account-closing', audience: ownerAudience(run), message: `CloseAccount sent for ${accountId}` });
  let suspended: { state: string };
  try {
    suspended = await acts.suspension.awaitAccountSuspended(accountId);
  } catch (err) {
    if (!(err instanceof TemporalFailure)) throw err;
    await releaseSlot();
    return finish(run, acts, 'needs-attention', `CloseAccount was sent but the account did not become SUSPENDED in time: ${describeFailure(err)}`);
  }
  await releaseSlot();
  record.awsState = suspended.state;
  record.suspendedAt = now();
  const endsAt = Date.now() + policy.reopenWindowMs;
  record.reopenWindowEndsAt = new Date(endsAt).toISOString();
  run.enter('suspended', `AWS reports ${suspended.state}; AWS Support can reopen it until ${record.reopenWindowEndsAt}`);
  await notify(acts, run, {
    kind: 'account-suspended',
    audience: ownerAudience(run),
    message: `account ${accountId} is ${suspended.state}; it can be reopened through AWS Support until ${record.reopenWindowEndsAt}, after which its resources are deleted`,
  });

  await sleep(Math.max(1, endsAt - policy.reopenReminderBeforeMs - Date.now()));
  if ((await acts.aws.readAccountState(accountId)).state === 'ACTIVE') return reopened(run, acts);
  record.reopenReminderSentAt = now();
  await notify(acts, run, {
    kind: 'reopen-window-ending',
    audience: ownerAudience(run),
    message: `the reopen window of account ${accountId} ends at ${record.reopenWindowEndsAt}: ask AWS Support before then if it must come back`,
  });

  await sleep(Math.max(1, endsAt - Date.now()));
  const { state } = await acts.aws.readAccountState(accountId);
  if (state === 'ACTIVE') return reopened(run, acts);
  record.awsState = state;
  return finish(run, acts, 'closed', `the reopen window ended (AWS reports ${state}); the account can no longer be reopened`);
}

function reopened(run: ClosureRun, acts: ClosureActivityProxies): Promise<ClosureStatus> {
  return finish(run, acts, 'needs-attention', 'the account is ACTIVE again (reopened through AWS Support); it is in the quarantine OU: decide what becomes of it');
}

async function finish(
  run: ClosureRun,
  acts: ClosureActivityProxies,
  stage: 'closed' | 'needs-attention' | 'rejected' | 'cancelled',
  note: string,
): Promise<ClosureStatus> {
  run.enter(stage, note);
  const kind = ({ closed: 'account-closed', 'needs-attention': 'needs-attention', rejected: 'closure-rejected', cancelled: 'cancelled' } as const)[stage];
  await notify(acts, run, { kind, audience: stage === 'needs-attention' ? 'operators' : ownerAudience(run), message: note });
  return run.status;
}

function cancelledNote(run: ClosureRun): string {
  const c = run.status.cancellation;
  return c ? `cancelled by ${c.cancelledBy} at stage ${c.stage}: ${c.reason}` : 'cancelled';
}

/** The account's owner (the vending requester) and whoever asked, plus operators. */
function ownerAudience(run: ClosureRun): string {
  const people = [...new Set([run.input.owner, run.input.requester].filter((p): p is string => Boolean(p)))];
  return [...people, 'operators'].join(', ');
}

/** Best effort: a notification that keeps failing is logged by Temporal and does not hold the closure up. */
async function notify(acts: ClosureActivityProxies, run: ClosureRun, n: Pick<NotificationInput, 'kind' | 'audience' | 'message' | 'severity'>): Promise<void> {
  try {
    await acts.notifier.notify({ ...n, requestId: workflowInfo().workflowId, accountName: run.accountName, accountId: run.input.accountId });
  } catch (err) {
    if (isCancellation(err)) throw err;
  }
}

function now(): string {
  return new Date().toISOString();
}

function failureType(err: TemporalFailure): string | undefined {
  for (let current: unknown = err; current; current = (current as { cause?: unknown }).cause) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
  }
  return undefined;
}

function describeFailure(err: Error): string {
  let current: Error | undefined = err;
  while (current && 'cause' in current && current.cause instanceof Error) current = current.cause;
  return (current ?? err).message;
}
