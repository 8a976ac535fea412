/** The organization every sandbox starts with (sandbox/seed.ts): its ids, as the control API and the state file show them. */
export interface SeededOrganization {
  organizationId: string;
  rootId: string;
  managementAccountId: string;
  /** name -> OU id: 'Sandbox', 'Workloads'. */
  organizationalUnits: Record<string, string>;
}
