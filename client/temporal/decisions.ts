/** The human steps sent to a request: decisions and confirmations (signed for the run they are for), and cancel. */
import { type Client } from '@temporalio/client';
import { confirmationAct, confirmRemediationUpdate, decideUpdate, decisionAct, type Decision, type DecisionRecord, type Role, type RootWindowRecord } from '../../contract/vending';
import { type DecisionSigner } from '../decision-signer';

import { type RequestFacts } from './read';

/** The person behind a decision, as the API authenticated them. */
export interface Actor {
  user: string;
  roles: Role[];
}

/** Raised when the API's key ring holds no key the request trusts (it was started with keys since removed). */
export class NoTrustedSigningKeyError extends Error {}

/**
 * Signs the decision for this run of the request and sends it; the workflow's validator has the last word (the
 * signature, who may decide, and whether a decision is still open). Sent to the run the signature names: a run reset
 * in between refuses it as closed.
 */
export async function decide(
  client: Client,
  signer: DecisionSigner,
  facts: Pick<RequestFacts, 'runId' | 'decisionKeyIds'> & { id: string },
  actor: Actor,
  decision: { decision: Decision; reason: string },
): Promise<DecisionRecord> {
  const unsigned = { ...decision, decidedBy: actor.user, roles: actor.roles };
  const signature = signer.sign(decisionAct(facts.id, facts.runId, unsigned), facts.decisionKeyIds);
  if (!signature) throw new NoTrustedSigningKeyError(`the API holds none of the keys request ${facts.id} trusts`);
  return client.workflow.getHandle(facts.id, facts.runId).executeUpdate(decideUpdate, { args: [{ ...unsigned, ...signature }] });
}

export async function confirmRemediation(
  client: Client,
  signer: DecisionSigner,
  facts: Pick<RequestFacts, 'runId' | 'decisionKeyIds'> & { id: string },
  actor: Actor,
  note: string,
): Promise<RootWindowRecord> {
  const unsigned = { confirmedBy: actor.user, note, roles: actor.roles };
  const signature = signer.sign(confirmationAct(facts.id, facts.runId, unsigned), facts.decisionKeyIds);
  if (!signature) throw new NoTrustedSigningKeyError(`the API holds none of the keys request ${facts.id} trusts`);
  return client.workflow.getHandle(facts.id, facts.runId).executeUpdate(confirmRemediationUpdate, { args: [{ ...unsigned, ...signature }] });
}

/** Temporal cancellation: the workflow closes any root window, then ends at stage `cancelled`. */
export async function cancelRequest(client: Client, id: string): Promise<void> {
  await client.workflow.getHandle(id).cancel();
}
