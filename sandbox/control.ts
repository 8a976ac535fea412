/**
 * The sandbox's own control API under `/sandbox/` (JSON in, JSON out, bodies validated with zod, 400 with the
 * problems listed when invalid). This is how tests, demos and benchmarks steer the fake AWS and play the human's
 * root-console step.
 *
 *   GET  /sandbox/state                                   accounts, create requests, peak creations in progress,
 *                                                         per-operation counters
 *   GET  /sandbox/settings                                current settings
 *   POST /sandbox/settings            {patch}             merge a settings patch (faults merged field by field)
 *   POST /sandbox/faults              {throttleRate?, errorRate?, latencyMs?, operations?}
 *   POST /sandbox/reset                                   moto reset + reseed + gateway state cleared
 *   POST /sandbox/linked-account-access {enabled}         org-level Cost Explorer linked-account access
 *   POST /sandbox/accounts/{id}/root-console/billing-access {enabled}
 *                                                         the human root step; 403 without a root login profile
 *   GET  /sandbox/accounts/{id}/baseline                  regions' opt-in states, primary contact, assignment creations
 *   GET  /sandbox/accounts/{id}/root-credentials          {passwordPresent, mfaDevices, accessKeys, signingCertificates}
 *                                                         (booleans and COUNTS, not lists)
 *   POST /sandbox/create-account-requests/{car-id}/forget
 *                                                         AWS loses a creation request: DescribeCreateAccountStatus
 *                                                         answers CreateAccountStatusNotFoundException and, if it was
 *                                                         IN_PROGRESS, no account is created
 *   POST /sandbox/member-accounts    {count, organizationalUnit?, namePrefix?}
 *                                                         member accounts that joined by other means, made at once
 *                                                         (sandbox/member-accounts.ts)
 *   POST /sandbox/accounts/{id}/root-credentials {loginProfile?, mfaDevices?, accessKeys?, signingCertificates?}
 *                                                         plants root credentials (counts to add); denyDeletion
 *                                                         simulates an SCP that refuses their deletion
 *   GET  /sandbox/persistence                             with a data folder: the state file, when it was last
 *                                                         saved, whether changes are pending, the last error
 *   POST /sandbox/persistence/save                        saves now; answers once the state is on disk
 */
import { z } from 'zod';
import { accountClosuresView } from './account-closure';
import { accountBaselineView, baselineStateView } from './baseline-view';
import { recordSetIAMAccessPreference } from './cloudtrail';
import { type SandboxContext } from './context';
import { type PersistenceStatus } from './persistence';
import { addMemberAccounts, MemberAccountsSchema } from './member-accounts';
import { plantRootCredentials } from './root-access';
import { SandboxSettingsPatchSchema, describeZodError, type SandboxSettingsPatch } from './settings';
import { type RootCredentials } from './state';
import { type Reply } from './wire';

export interface ControlHooks {
  updateSettings(patch: SandboxSettingsPatch): void;
  reset(): Promise<void>;
  /** undefined without a data folder. */
  persistence(): PersistenceStatus | undefined;
  saveNow(): Promise<PersistenceStatus | undefined>;
}

const PERSISTENCE_ROUTES = /^\/sandbox\/persistence(\/save)?\/*(\?.*)?$/;

/** The persistence routes: they wait for a save, so they must not run as an operation a save waits for. */
export function isPersistenceRoute(url: string): boolean {
  return PERSISTENCE_ROUTES.test(url);
}

const EnabledSchema = z.object({ enabled: z.boolean() }).strict();
const PlantSchema = z
  .object({
    loginProfile: z.boolean().optional(),
    mfaDevices: z.number().int().min(0).max(100).optional(),
    accessKeys: z.number().int().min(0).max(2).optional(),
    signingCertificates: z.number().int().min(0).max(2).optional(),
    /** Simulates an SCP that denies deleting the root credentials (true) or lifts it (false). */
    denyDeletion: z.boolean().optional(),
  })
  .strict();

function reply(status: number, body: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body, null, 2) };
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: Buffer): T {
  let value: unknown;
  try {
    value = body.length ? JSON.parse(body.toString()) : {};
  } catch {
    throw new ControlError(400, 'body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ControlError(400, describeZodError(parsed.error));
  return parsed.data;
}

export function rootCredentialsView(creds: RootCredentials): Record<string, unknown> {
  return {
    passwordPresent: creds.loginProfile !== undefined,
    mfaDevices: creds.mfaDevices.length,
    accessKeys: creds.accessKeys.length,
    signingCertificates: creds.signingCertificates.length,
  };
}

export function sandboxStateView(ctx: SandboxContext): Record<string, unknown> {
  const s = ctx.state;
  const counters = Object.fromEntries([...s.counters.entries()].sort(([a], [b]) => a.localeCompare(b)));
  const totals = [...s.counters.values()].reduce(
    (t, c) => ({ calls: t.calls + c.calls, throttled: t.throttled + c.throttled, faults: t.faults + c.faults }),
    { calls: 0, throttled: 0, faults: 0 },
  );
  return {
    organization: ctx.organization(),
    linkedAccountAccess: s.linkedAccountAccess,
    rootAccessFeatures: { RootCredentialsManagement: s.rootCredentialsManagement, RootSessions: s.rootSessions },
    accounts: [...s.accounts.values()].map((a) => ({
      accountId: a.accountId,
      name: a.name,
      email: a.email,
      roleName: a.roleName,
      createdAt: new Date(a.createdAt).toISOString(),
      ready: Date.now() >= a.readyAt,
      billingAccess: a.billingAccess,
      rootCredentials: rootCredentialsView(s.rootCredentialsOf(a.accountId)),
    })),
    createAccountRequests: s.createRequests.map((r) => ({
      id: r.id,
      accountName: r.accountName,
      email: r.email,
      state: r.state,
      requestedAt: new Date(r.requestedAt).toISOString(),
      completedAt: r.completedAt === undefined ? undefined : new Date(r.completedAt).toISOString(),
      accountId: r.accountId,
      failureReason: r.failureReason,
    })),
    /** The most CreateAccount requests in progress at once since the last reset. */
    peakCreateAccountsInProgress: s.peakCreateAccountsInProgress,
    /** CloseAccount: each closed account's state, the quota used in the window, refusals (sandbox/account-closure.ts). */
    accountClosures: accountClosuresView(ctx),
    /** The day-1 baseline's services: region-change peaks and refusals, assignment creations per assignment. */
    baseline: baselineStateView(ctx),
    /** Keyed `service:Operation`, e.g. `organizations:DescribeCreateAccountStatus`. */
    counters,
    totals,
  };
}

export function createControlHandler(ctx: SandboxContext, hooks: ControlHooks) {
  return async (method: string, url: string, body: Buffer): Promise<Reply> => {
    const path = url.split('?')[0].replace(/\/+$/, '');
    try {
      const route = `${method} ${path}`;
      if (route === 'GET /sandbox/state') return reply(200, sandboxStateView(ctx));
      if (route === 'GET /sandbox/settings') return reply(200, ctx.settings());
      if (route === 'POST /sandbox/settings') {
        hooks.updateSettings(parseBody(SandboxSettingsPatchSchema, body));
        return reply(200, ctx.settings());
      }
      if (route === 'POST /sandbox/faults') {
        // Only the faults given change (the patch schema keeps no defaults that were not sent).
        const { faults } = parseBody(SandboxSettingsPatchSchema, Buffer.from(JSON.stringify({ faults: parseBody(z.record(z.string(), z.unknown()), body) })));
        hooks.updateSettings({ faults });
        return reply(200, ctx.settings().faults);
      }
      if (route === 'POST /sandbox/member-accounts') return reply(200, await addMemberAccounts(ctx, parseBody(MemberAccountsSchema, body)));
      if (route === 'POST /sandbox/reset') {
        await hooks.reset();
        return reply(200, { reset: true, organization: ctx.organization() });
      }
      if (route === 'GET /sandbox/persistence' || route === 'POST /sandbox/persistence/save') {
        const status = method === 'GET' ? hooks.persistence() : await hooks.saveNow();
        if (!status) throw new ControlError(404, 'this sandbox keeps its state in memory only (no data folder)');
        return reply(200, status);
      }
      if (route === 'POST /sandbox/linked-account-access') {
        const { enabled } = parseBody(EnabledSchema, body);
        hooks.updateSettings({ linkedAccountAccess: enabled });
        return reply(200, { linkedAccountAccess: ctx.state.linkedAccountAccess });
      }
      const forget = /^\/sandbox\/create-account-requests\/(car-[a-z0-9]{8,32})\/forget$/.exec(path);
      if (forget && method === 'POST') {
        const record = ctx.state.createRequests.find((r) => r.id === forget[1]);
        if (!record) throw new ControlError(404, `no create account request ${forget[1]}`);
        if (record.state === 'IN_PROGRESS') record.state = 'FAILED'; // its completion timer then does nothing
        ctx.state.createRequests = ctx.state.createRequests.filter((r) => r !== record);
        return reply(200, { forgotten: record.id });
      }
      const baselineOf = /^\/sandbox\/accounts\/(\d{12})\/baseline$/.exec(path);
      if (baselineOf && method === 'GET') {
        if (!ctx.state.accounts.has(baselineOf[1])) throw new ControlError(404, `account ${baselineOf[1]} is not a member account created in this sandbox`);
        return reply(200, accountBaselineView(ctx, baselineOf[1]));
      }
      const account = /^\/sandbox\/accounts\/(\d{12})\/(root-console\/billing-access|root-credentials)$/.exec(path);
      if (account) {
        const [, accountId, what] = account;
        const record = ctx.state.accounts.get(accountId);
        if (!record) throw new ControlError(404, `account ${accountId} is not a member account created in this sandbox`);
        const creds = ctx.state.rootCredentialsOf(accountId);
        if (what === 'root-credentials' && method === 'GET') return reply(200, rootCredentialsView(creds));
        if (what === 'root-credentials' && method === 'POST') {
          plantRootCredentials(creds, parseBody(PlantSchema, body), accountId);
          return reply(200, rootCredentialsView(creds));
        }
        if (what === 'root-console/billing-access' && method === 'POST') {
          const { enabled } = parseBody(EnabledSchema, body);
          // The human can only sign in as root once password recovery was allowed (a root login profile exists).
          if (!creds.loginProfile) {
            throw new ControlError(403, `root of ${accountId} cannot sign in: no root login profile (password recovery not allowed)`);
          }
          const event = recordSetIAMAccessPreference(ctx, accountId, enabled);
          record.billingAccess = enabled;
          return reply(200, { accountId, billingAccess: record.billingAccess, cloudTrailEventId: event.eventId });
        }
      }
      throw new ControlError(404, `no control route ${route}`);
    } catch (err) {
      if (err instanceof ControlError) return reply(err.status, { error: err.message });
      if (err instanceof z.ZodError) return reply(400, { error: describeZodError(err) });
      ctx.log(`[sandbox] control ${method} ${path} failed: ${(err as Error).stack ?? err}`);
      return reply(500, { error: (err as Error).message });
    }
  };
}
