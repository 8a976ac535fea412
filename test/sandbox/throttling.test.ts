/**
 * AWS's throttle quotas, the 5-in-flight CreateAccount limit and fault injection, measured from the outside through
 * the SDK. Counts only: nothing here depends on how fast the machine is (rates are bench/'s, bucket arithmetic is
 * throttle-buckets.test.ts's).
 */
import {
  ConstraintViolationException,
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListRootsCommand,
  TooManyRequestsException,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { type RunningSandbox } from '../../sandbox';
import { assumeMemberRole, clients, control, createAccount, rejection, startTestSandbox, waitFor } from './helpers';

type Counters = Record<string, { calls: number; throttled: number; faults: number }>;

let sb: RunningSandbox;

beforeAll(async () => {
  sb = await startTestSandbox({ timeScale: 10, createAccountDurationMs: 2000, accountReadyDelayMs: 1000 });
});
afterAll(async () => {
  await sb?.stop();
});
beforeEach(async () => {
  await sb.reset();
  sb.updateSettings({ timeScale: 10, createAccountDurationMs: 2000, faults: { throttleRate: 0, errorRate: 0, latencyMs: 0 } });
});

async function counters(): Promise<Counters> {
  return (await control<{ counters: Counters }>(sb, 'GET', '/sandbox/state')).body.counters;
}

/** Fires `n` calls at once; returns how many were not throttled. */
async function burst(n: number, call: () => Promise<unknown>): Promise<number> {
  const results = await Promise.allSettled(Array.from({ length: n }, call));
  for (const r of results) if (r.status === 'rejected' && !(r.reason instanceof TooManyRequestsException)) throw r.reason;
  return results.filter((r) => r.status === 'fulfilled').length;
}

test('burst sizes through the SDK match the quota table, per account and per organization', async () => {
  // Setup at a fast scale; it uses neither ListAccounts nor ListRoots, so those buckets stay full.
  sb.updateSettings({ timeScale: 100 });
  const accountId = await createAccount(sb, 'throttle-member@example.com');
  const memberOrganizations = clients(sb, { credentials: await assumeMemberRole(sb, accountId) }).organizations;
  const { organizations } = clients(sb);

  // Bursts with time nearly stopped: no bucket refills during them however slow the machine, so the counts are exact.
  // (The refill arithmetic is checked against a controlled clock in throttle-buckets.test.ts; rates live in bench/.)
  sb.updateSettings({ timeScale: 0.000_01 });
  const listAccounts = (o: OrganizationsClient) => () => o.send(new ListAccountsCommand({}));
  const mgmtBurst = await burst(30, listAccounts(organizations));
  // A call needs a token from the account's and the organization's bucket: the org's (burst 15) has 3 left.
  const memberBurst = await burst(10, listAccounts(memberOrganizations));
  const rootsBurst = await burst(10, () => organizations.send(new ListRootsCommand({})));
  figures.burst = { ListAccountsPerAccount: mgmtBurst, ListAccountsOrgRemainder: memberBurst, ListRoots: rootsBurst };
  expect(mgmtBurst).toBe(12);
  expect(memberBurst).toBe(3);
  expect(rootsBurst).toBe(2);
});

test('at most 5 CreateAccount requests in progress: the sixth is ConstraintViolationException ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED', async () => {
  // CreateAccount's own bucket is 0.1/s (burst 3): scale 100 makes it 10/s; creation then lasts 300 s / 100 = 3 s.
  sb.updateSettings({ timeScale: 100, createAccountDurationMs: 300_000 });
  const { organizations } = clients(sb, { maxAttempts: 10 });
  const outcomes: string[] = [];
  for (let i = 0; i < 7; i++) {
    try {
      const r = await organizations.send(new CreateAccountCommand({ Email: `inflight${i}@example.com`, AccountName: `InFlight ${i}` }));
      outcomes.push(r.CreateAccountStatus!.State!);
    } catch (err) {
      expect(err).toBeInstanceOf(ConstraintViolationException);
      outcomes.push((err as ConstraintViolationException).Reason!);
    }
  }
  figures.inFlight = outcomes;
  expect(outcomes).toEqual([...Array(5).fill('IN_PROGRESS'), 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED', 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED']);
  // Once one finishes, a new request is accepted.
  await waitFor('a creation to finish', async () => {
    try {
      return await organizations.send(new CreateAccountCommand({ Email: 'inflight-later@example.com', AccountName: 'Later' }));
    } catch (err) {
      if (err instanceof ConstraintViolationException) return undefined;
      throw err;
    }
  });
});

test('100 DescribeCreateAccountStatus calls at once: throttled, and all succeed with SDK retries', async () => {
  sb.updateSettings({ timeScale: 50 }); // 2/s -> 100/s: about a second of bucket time for 100 calls
  const id = (await clients(sb).organizations.send(new CreateAccountCommand({ Email: 'storm@example.com', AccountName: 'Storm' })))
    .CreateAccountStatus!.Id!;
  const { organizations } = clients(sb, { maxAttempts: 20, retryMode: 'standard' });
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: 100 }, () => organizations.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: id }))),
  );
  const elapsed = performance.now() - t0;
  expect(results.every((r) => r.CreateAccountStatus?.Id === id)).toBe(true);
  const c = (await counters())['organizations:DescribeCreateAccountStatus'];
  figures.storm = { calls: c.calls, throttled: c.throttled, seconds: round(elapsed / 1000) };
  expect(c.throttled).toBeGreaterThan(0);
  expect(c.calls).toBe(100 + c.throttled);
});

test('faults: injected throttles, 500/503 and latency, limited to chosen operations, are counted', async () => {
  const { organizations } = clients(sb);
  sb.updateSettings({ timeScale: 1 });
  expect((await control(sb, 'POST', '/sandbox/faults', { errorRate: 1, operations: ['ListAccounts'] })).status).toBe(200);
  const failed = await rejection(organizations.send(new ListAccountsCommand({})));
  expect([500, 503]).toContain((failed.$metadata as { httpStatusCode: number }).httpStatusCode);
  expect(['InternalFailure', 'ServiceUnavailable']).toContain(failed.name);
  await organizations.send(new ListRootsCommand({})); // not in `operations`

  await control(sb, 'POST', '/sandbox/faults', { errorRate: 0, throttleRate: 1 });
  expect(await rejection(organizations.send(new ListAccountsCommand({})))).toBeInstanceOf(TooManyRequestsException);

  await control(sb, 'POST', '/sandbox/faults', { throttleRate: 0, latencyMs: 300, operations: ['organizations:ListAccounts'] });
  const t0 = performance.now();
  await organizations.send(new ListAccountsCommand({}));
  expect(performance.now() - t0).toBeGreaterThanOrEqual(290);

  const c = await counters();
  expect(c['organizations:ListAccounts']).toEqual({ calls: 3, throttled: 1, faults: 1, succeeded: 1 });
  expect(c['organizations:ListRoots']).toEqual({ calls: 1, throttled: 0, faults: 0, succeeded: 1 });
});

const figures: Record<string, unknown> = {};
const round = (n: number) => Math.round(n * 10) / 10;
afterAll(() => {
  process.stdout.write(`[sandbox throttle figures] ${JSON.stringify(figures)}\n`);
});
