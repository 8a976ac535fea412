/**
 * The organization every sandbox starts with (and returns to on reset): all features, OUs `Sandbox` and
 * `Workloads` under the root, trusted access for IAM (centralized root access) and Account Management (alternate
 * contacts across accounts), root access features and linked-account access as configured.
 */
import { seedBaseline } from './baseline-seed';
import { type SeededOrganization } from './context';
import { type Moto } from './moto';
import { type SandboxSettings } from './settings';
import { type SandboxState } from './state';

const ORG = 'AWSOrganizationsV20161128';
export const SEEDED_OUS = ['Sandbox', 'Workloads'] as const;
export const TRUSTED_SERVICES = ['iam.amazonaws.com', 'account.amazonaws.com'];
/** Service principals moto 5.2.5 rejects as unrecognised; the gateway keeps their trusted access itself. */
export const GATEWAY_TRUSTED_SERVICES = ['iam.amazonaws.com'];

export async function seedOrganization(
  moto: Moto,
  state: SandboxState,
  settings: SandboxSettings,
): Promise<SeededOrganization> {
  const created = await moto.json<{ Organization: { Id: string; MasterAccountId: string } }>(
    'organizations',
    `${ORG}.CreateOrganization`,
    { FeatureSet: 'ALL' },
  );
  const roots = await moto.json<{ Roots: { Id: string }[] }>('organizations', `${ORG}.ListRoots`, {});
  const rootId = roots.Roots[0].Id;
  const organizationalUnits: Record<string, string> = {};
  for (const name of SEEDED_OUS) {
    const ou = await moto.json<{ OrganizationalUnit: { Id: string } }>(
      'organizations',
      `${ORG}.CreateOrganizationalUnit`,
      { ParentId: rootId, Name: name },
    );
    organizationalUnits[name] = ou.OrganizationalUnit.Id;
  }
  for (const principal of TRUSTED_SERVICES) {
    if (GATEWAY_TRUSTED_SERVICES.includes(principal)) state.gatewayTrustedServices.set(principal, Date.now());
    else await moto.json('organizations', `${ORG}.EnableAWSServiceAccess`, { ServicePrincipal: principal });
  }
  await seedBaseline(moto, rootId);
  applySettingsToState(state, settings);
  return {
    organizationId: created.Organization.Id,
    rootId,
    managementAccountId: created.Organization.MasterAccountId,
    organizationalUnits,
  };
}

/** The org-level switches start from settings (and follow them when settings change). */
export function applySettingsToState(
  state: SandboxState,
  settings: SandboxSettings,
  changed: Partial<Record<keyof SandboxSettings, unknown>> = settings,
): void {
  if ('linkedAccountAccess' in changed) state.linkedAccountAccess = settings.linkedAccountAccess;
  if ('rootAccessFeatures' in changed) {
    state.rootCredentialsManagement = settings.rootAccessFeatures;
    state.rootSessions = settings.rootAccessFeatures;
  }
  if ('forcedCreateFailures' in changed) state.forcedFailuresLeft = settings.forcedCreateFailures.map((f) => f.times);
}
