/**
 * Baseline step `guardrails`: the blueprint's service and resource control policies, by name, attached to the
 * account. Policies already attached are left alone; AWS's "already attached" counts as done, and its answers that
 * another change is running (ConcurrentModificationException, PolicyChangesInProgressException) are retried.
 */
import { AttachPolicyCommand, paginateListPolicies, paginateListPoliciesForTarget, type PolicyType } from '@aws-sdk/client-organizations';
import { type AwsClients } from './aws-clients';
import { awsErrorName, describeAwsError, nonRetryable } from './errors';
import { classify } from './errors';

export interface GuardrailsInput {
  accountId: string;
  serviceControlPolicies: string[];
  resourceControlPolicies: string[];
}

export function createGuardrailActivities(aws: AwsClients) {
  return {
    async attachGuardrails(input: GuardrailsInput): Promise<{ outcome: string }> {
      const attached: string[] = [];
      const already: string[] = [];
      const kinds: [PolicyType, string[]][] = [
        ['SERVICE_CONTROL_POLICY', input.serviceControlPolicies],
        ['RESOURCE_CONTROL_POLICY', input.resourceControlPolicies],
      ];
      for (const [type, names] of kinds) {
        if (names.length === 0) continue;
        const byName = new Map<string, string>();
        const onTarget = new Set<string>();
        try {
          for await (const page of paginateListPolicies({ client: aws.organizations }, { Filter: type })) {
            for (const p of page.Policies ?? []) if (p.Name && p.Id) byName.set(p.Name, p.Id);
          }
          for await (const page of paginateListPoliciesForTarget({ client: aws.organizations }, { TargetId: input.accountId, Filter: type })) {
            for (const p of page.Policies ?? []) if (p.Id) onTarget.add(p.Id);
          }
        } catch (err) {
          throw classify(err, `ListPolicies ${type}`);
        }
        for (const name of names) {
          const id = byName.get(name);
          if (!id) throw nonRetryable('BaselineStepInvalid', `the organization has no ${type} named "${name}"`);
          if (onTarget.has(id)) {
            already.push(name);
            continue;
          }
          try {
            await aws.organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId: input.accountId }));
            attached.push(name);
          } catch (err) {
            const errName = awsErrorName(err);
            if (errName === 'DuplicatePolicyAttachmentException') already.push(name);
            else if (errName === 'PolicyTypeNotEnabledException') throw nonRetryable('BaselineStepInvalid', `AttachPolicy "${name}": ${describeAwsError(err)}; enable the policy type on the root`);
            else if (errName === 'ConcurrentModificationException' || errName === 'PolicyChangesInProgressException' || errName === 'TooManyRequestsException') {
              throw new Error(`AttachPolicy "${name}": ${describeAwsError(err)}`, { cause: err }); // retried by Temporal
            } else throw classify(err, `AttachPolicy "${name}"`);
          }
        }
      }
      const parts = [attached.length ? `attached ${attached.join(', ')}` : '', already.length ? `already attached ${already.join(', ')}` : ''].filter(Boolean);
      return { outcome: parts.join('; ') };
    },
  };
}
