/**
 * The billing-access verdict from the evidence (docs/design.md; the evidence: docs/aws-facts.md). Pure and deterministic: the workflow calls it,
 * tests call it directly.
 *  - The Cost Explorer probe is the observation: on -> defaulted-on, off -> off.
 *  - Without a clear probe answer, CloudTrail showing the switch turned on, or an operator's attestation of the org
 *    setting, is accepted as defaulted-on; otherwise inconclusive.
 *  - An observation of "off" always beats an attestation of "on".
 */
import { type BillingAccessVerdict, type EvidenceRecord } from '../contract/vending';

export function decideBillingAccess(evidence: EvidenceRecord[]): BillingAccessVerdict {
  const from = (source: EvidenceRecord['source']) => evidence.filter((e) => e.source === source);
  const probe = from('cost-explorer-probe');
  if (probe.some((e) => e.indicates === 'off')) return 'off';
  if (probe.some((e) => e.indicates === 'on')) return 'defaulted-on';
  if (from('cloudtrail-lookup').some((e) => e.indicates === 'off')) return 'off';
  if (from('cloudtrail-lookup').some((e) => e.indicates === 'on')) return 'defaulted-on';
  if (from('operator-attestation').some((e) => e.indicates === 'on')) return 'defaulted-on';
  return 'inconclusive';
}
