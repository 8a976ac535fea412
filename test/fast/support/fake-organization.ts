/**
 * A small in-memory AWS organization behind the vending workflow's activities, for workflow tests without AWS or
 * the sandbox. It answers what the workflow branches on (created account ids, the billing-access evidence, the root
 * user's credentials) and records every call with the request it came from and the (possibly skipped) workflow
 * clock, so a test asserts on what the workflow did. Its own clock is the server's too (each call's scheduled time):
 * the test server's runs days ahead of the wall clock once time was skipped. Typed against the real activity interface: a changed signature
 * fails the type check here. Notifications go through the real notifier activity into memory.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { createNotifierActivities } from '../../../activities/notifier';
import { type VendingActivities } from '../../../activities/types';
import { normalizeEmail } from '../../../contract/request';
import { type Notification } from '../../../contract/notifications';
import { type EvidenceRecord, type RootCredentialAudit } from '../../../contract/vending';

/** What the account's billing-access evidence says: the Cost Explorer probe answers on, off, or nothing clear. */
export type BillingAccess = 'on' | 'off' | 'inconclusive';

export interface AccountProfile {
  billingAccess: BillingAccess;
  /** `present`: the root user already has an MFA device and an access key when the window opens. */
  rootCredentials: 'present' | 'absent';
}

export interface RootCredentials {
  loginProfile: boolean;
  passwordPresent: boolean;
  mfaDevices: number;
  accessKeys: number;
  signingCertificates: number;
}

export interface FakeAccount {
  id: string;
  name: string;
  email: string;
  requestId: string;
  organizationalUnitId?: string;
  tags: Record<string, string>;
  profile: AccountProfile;
  root: RootCredentials;
  /** The root console step switched billing access on (CloudTrail's SetIAMAccessPreference). */
  billingSwitchedOn: boolean;
  /** When CloudTrail shows it: the first lookup after the switch, on the server's clock. */
  billingSwitchedOnAt?: string;
}

type StubbedActivityName =
  | 'checkPreflight'
  | 'acquireCreationSlot'
  | 'requestAccountCreation'
  | 'awaitAccountCreation'
  | 'findOwnAccount'
  | 'confirmAccountOwnership'
  | 'placeAccount'
  | 'putAlternateContacts'
  | 'awaitAccountReady'
  | 'probeCostExplorerAccess'
  | 'lookupBillingAccessEvents'
  | 'auditRootCredentials'
  | 'allowRootPasswordRecovery'
  | 'deleteRootCredentials'
  | 'notify';
export type StubbedActivities = Pick<VendingActivities, StubbedActivityName>;

export interface RecordedCall {
  activity: StubbedActivityName;
  /** The workflow id (the request) that scheduled it. */
  requestId: string;
  args: unknown[];
  /** When it was scheduled, on the workflow's clock (the test server's, skipped time included). */
  scheduledAt: number;
}

/** The root steps: each one an AssumeRoot session into the account. */
export const ROOT_ACTIVITIES: readonly StubbedActivityName[] = ['auditRootCredentials', 'allowRootPasswordRecovery', 'deleteRootCredentials'];

const ORGANIZATIONAL_UNITS: Record<string, string> = { Workloads: 'ou-root-workloads', Sandbox: 'ou-root-sandbox' };

export class FakeOrganization {
  readonly calls: RecordedCall[] = [];
  readonly notifications: Notification[] = [];
  readonly accounts = new Map<string, FakeAccount>();
  readonly #profiles = new Map<string, AccountProfile>();
  readonly #creations = new Map<string, FakeAccount>();
  #nextAccount = 100_000_000_001;

  constructor(private readonly defaultProfile: AccountProfile = { billingAccess: 'on', rootCredentials: 'absent' }) {}

  /** How the account created for this email will behave. */
  willCreate(email: string, profile: AccountProfile): void {
    this.#profiles.set(normalizeEmail(email), profile);
  }

  callsFor(requestId: string, activity?: StubbedActivityName): RecordedCall[] {
    return this.calls.filter((c) => c.requestId === requestId && (activity === undefined || c.activity === activity));
  }

  notificationsFor(requestId: string, kind?: Notification['kind']): Notification[] {
    return this.notifications.filter((n) => n.requestId === requestId && (kind === undefined || n.kind === kind));
  }

  /** The root mailbox owner's console step: billing access switched on, as CloudTrail then reports it. */
  switchBillingAccessOn(accountId: string): void {
    this.#account(accountId).billingSwitchedOn = true;
  }

  activities(): StubbedActivities {
    const notifier = createNotifierActivities([{ send: async (n) => void this.notifications.push(n) }]);
    const acts: StubbedActivities = {
      checkPreflight: async ({ organizationalUnit }) => ({
        organizationId: 'o-fake0000001',
        organizationalUnitId: this.#ou(organizationalUnit),
        checks: ['all-features', `organizational-unit:${organizationalUnit}`],
      }),
      // No coordinator: the request creates at once, as a worker without the creation-slot client does.
      acquireCreationSlot: async () => ({ coordinated: false }),
      requestAccountCreation: async (input) => {
        const own = this.#ownAccount(input.requestId, input.email);
        if (own) return { kind: 'existing', accountId: own.id };
        const createAccountRequestId = `car-${this.#creations.size + 1}`;
        const account: FakeAccount = {
          id: String(this.#nextAccount++),
          name: input.accountName,
          email: input.email,
          requestId: input.requestId,
          tags: { ...input.tags },
          profile: this.#profiles.get(normalizeEmail(input.email)) ?? this.defaultProfile,
          billingSwitchedOn: false,
          root: { loginProfile: false, passwordPresent: false, mfaDevices: 0, accessKeys: 0, signingCertificates: 0 },
        };
        if (account.profile.rootCredentials === 'present') account.root = { ...account.root, mfaDevices: 1, accessKeys: 1 };
        this.#creations.set(createAccountRequestId, account);
        return { kind: 'requested', createAccountRequestId };
      },
      awaitAccountCreation: async (createAccountRequestId) => {
        const account = this.#creations.get(createAccountRequestId);
        if (!account) return { state: 'VANISHED', explanation: `no creation ${createAccountRequestId}` };
        this.accounts.set(account.id, account);
        return { state: 'SUCCEEDED', accountId: account.id };
      },
      findOwnAccount: async ({ requestId, email }) => ({ accountId: this.#ownAccount(requestId, email)?.id }),
      confirmAccountOwnership: async ({ accountId, email }) => normalizeEmail(this.#account(accountId).email) === normalizeEmail(email),
      placeAccount: async ({ accountId, organizationalUnit, tags }) => {
        const account = this.#account(accountId);
        const target = this.#ou(organizationalUnit);
        const moved = account.organizationalUnitId !== target;
        account.organizationalUnitId = target;
        account.tags = { ...account.tags, ...tags };
        return { organizationalUnitId: target, moved };
      },
      putAlternateContacts: async ({ contacts }) => ({ set: Object.keys(contacts) }),
      awaitAccountReady: async (accountId) => {
        this.#account(accountId);
        return { state: 'ACTIVE', roleAssumable: true };
      },
      probeCostExplorerAccess: async (accountId) => {
        const indicates = ({ on: 'on', off: 'off', inconclusive: 'unknown' } as const)[this.#account(accountId).profile.billingAccess];
        return evidence('cost-explorer-probe', indicates, `fake Cost Explorer probe: ${indicates}`);
      },
      lookupBillingAccessEvents: async ({ accountId, since }) => {
        const account = this.#account(accountId);
        if (account.billingSwitchedOn) account.billingSwitchedOnAt ??= serverNow();
        const at = account.billingSwitchedOnAt;
        return at && (!since || at >= since)
          ? evidence('cloudtrail-lookup', 'on', `SetIAMAccessPreference at ${at}`)
          : evidence('cloudtrail-lookup', 'unknown', 'no SetIAMAccessPreference event');
      },
      auditRootCredentials: async (accountId) => audit(this.#account(accountId).root),
      allowRootPasswordRecovery: async (accountId) => {
        this.#account(accountId).root.loginProfile = true;
        return { allowed: true };
      },
      deleteRootCredentials: async (accountId) => {
        const { root } = this.#account(accountId);
        const deleted = [
          ...Array<string>(root.mfaDevices).fill('mfa-device'),
          ...Array<string>(root.accessKeys).fill('access-key'),
          ...Array<string>(root.signingCertificates).fill('signing-certificate'),
          ...(root.loginProfile ? ['login-profile'] : []),
        ];
        Object.assign(root, { loginProfile: false, passwordPresent: false, mfaDevices: 0, accessKeys: 0, signingCertificates: 0 });
        return { deleted, refused: [] };
      },
      notify: notifier.notify,
    };
    return Object.fromEntries(
      Object.entries(acts).map(([name, fn]) => [name, (...args: unknown[]) => this.#record(name as StubbedActivityName, args, fn as (...a: unknown[]) => Promise<unknown>)]),
    ) as unknown as StubbedActivities;
  }

  async #record(activity: StubbedActivityName, args: unknown[], fn: (...a: unknown[]) => Promise<unknown>): Promise<unknown> {
    const { workflowExecution, scheduledTimestampMs } = Context.current().info;
    this.calls.push({ activity, requestId: workflowExecution?.workflowId ?? '', args, scheduledAt: scheduledTimestampMs });
    return fn(...args);
  }

  #account(accountId: string): FakeAccount {
    const account = this.accounts.get(accountId);
    // A bug in the workflow (an id it never got): fail the request at once rather than retry for an hour.
    if (!account) throw ApplicationFailure.nonRetryable(`fake organization: no account ${accountId}`, 'FakeOrganization');
    return account;
  }

  #ownAccount(requestId: string, email: string): FakeAccount | undefined {
    return [...this.accounts.values()].find((a) => a.requestId === requestId && normalizeEmail(a.email) === normalizeEmail(email));
  }

  #ou(nameOrId: string): string {
    const id = ORGANIZATIONAL_UNITS[nameOrId] ?? Object.values(ORGANIZATIONAL_UNITS).find((ou) => ou === nameOrId);
    if (!id) throw ApplicationFailure.nonRetryable(`fake organization: no organizational unit ${nameOrId}`, 'FakeOrganization');
    return id;
  }
}

/** The time on the server's clock: when this activity attempt was scheduled. */
function serverNow(): string {
  return new Date(Context.current().info.currentAttemptScheduledTimestampMs).toISOString();
}

function evidence(source: EvidenceRecord['source'], indicates: EvidenceRecord['indicates'], detail: string): EvidenceRecord {
  return { source, checkedAt: serverNow(), indicates, detail };
}

function audit(root: RootCredentials): RootCredentialAudit {
  return { auditedAt: serverNow(), ...root };
}
