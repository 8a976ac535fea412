/**
 * The generic encoding of the gateway's state (sandbox/state-codec.ts): every kind of data a field may hold comes back
 * as it was, what is not data is refused with its path, and reading back checks each field against the code's state.
 */
import { CLOSE_ACCOUNT_COMPLETION } from '../../sandbox/account-closure';
import { decodeStateInto, encodeState, IncompatibleStateError, NotPersistableError } from '../../sandbox/state-codec';
import { SandboxState } from '../../sandbox/state';

/** Through JSON text, as the state file holds it. */
function roundTrip<T extends object>(value: T, fresh: T): { restored: T; missing: string[] } {
  const text = JSON.stringify(encodeState(value));
  const { missing } = decodeStateInto(JSON.parse(text), fresh);
  return { restored: fresh, missing };
}

test('every kind of data a field may hold comes back as it was', () => {
  class Holder {
    map = new Map<unknown, unknown>();
    set = new Set<unknown>();
    list: unknown[] = [];
    record: Record<string, unknown> = {};
    count = 0;
    flag = false;
    name = '';
    when = new Date(0);
    bytes = Buffer.alloc(0);
    optional: string | undefined = undefined;
  }
  const h = new Holder();
  h.map.set('a', { nested: new Map([[1, new Set(['x'])]]) });
  h.map.set(42, undefined);
  h.set.add(new Date(1_700_000_000_000)).add(NaN);
  h.list = [1, undefined, null, -Infinity, Infinity, 12345678901234567890n, 'text', [true, { deep: [] }]];
  h.record = { $type: 'my own key', plain: { a: 1 }, gone: undefined };
  h.count = 7;
  h.flag = true;
  h.name = 'line\nbreak ✓';
  h.when = new Date(1_700_000_000_123);
  h.bytes = Buffer.from([0, 1, 254, 255]);
  h.optional = 'now set';

  const { restored, missing } = roundTrip(h, new Holder());
  expect(missing).toEqual([]);
  expect(restored.map).toEqual(h.map);
  expect([...restored.map.keys()]).toEqual(['a', 42]);
  expect(restored.set).toEqual(h.set);
  expect(restored.list).toEqual(h.list);
  expect(1 in restored.list).toBe(true); // an undefined element, not a hole
  expect(restored.record).toEqual({ $type: 'my own key', plain: { a: 1 } });
  expect(restored).toMatchObject({ count: 7, flag: true, name: 'line\nbreak ✓', optional: 'now set' });
  expect(restored.when.getTime()).toBe(1_700_000_000_123);
  expect(Buffer.isBuffer(restored.bytes) && [...restored.bytes]).toEqual([0, 1, 254, 255]);
});

test('a SandboxState in use comes back equal, field by field', () => {
  const s = new SandboxState();
  s.principals.set('ASIAEXAMPLE', { accountId: '111122223333', kind: 'root-session', arn: 'arn:aws:iam::111122223333:root', expiresAt: 1 });
  s.createRequests.push({
    id: 'car-abcdefgh12345678',
    accountName: 'a',
    email: 'a@example.com',
    roleName: 'OrganizationAccountAccessRole',
    iamUserAccessToBilling: 'ALLOW',
    tags: [{ Key: 'k', Value: 'v' }],
    state: 'IN_PROGRESS',
    requestedAt: 5,
  });
  s.scheduledChanges.push({ id: 'x', kind: 'create-account-completion', dueAt: 9, payload: { requestId: 'car-abcdefgh12345678' } });
  s.accounts.set('111122223333', { accountId: '111122223333', name: 'a', email: 'a@example.com', roleName: 'R', createdAt: 1, readyAt: 2, billingAccess: true });
  s.rootCredentialsOf('111122223333').loginProfile = { createdAt: 3 };
  s.rootCredentialsOf('444455556666').loginProfile = undefined; // deleted: stored as absent
  s.cloudTrail.push({ eventId: 'e', eventName: 'n', eventSource: 's', eventTime: 4, accountId: '111122223333', username: 'root', cloudTrailEvent: { responseElements: null } });
  s.counter('organizations', 'CreateAccount').calls = 3;
  s.peakCreateAccountsInProgress = 2;
  s.forcedFailuresLeft = [undefined, 1];
  s.gatewayTrustedServices.set('iam.amazonaws.com', 6);
  s.linkedAccountAccess = false;

  const { restored, missing } = roundTrip(s, new SandboxState());
  expect(missing).toEqual([]);
  for (const key of Object.keys(s)) expect([key, (restored as unknown as Record<string, unknown>)[key]]).toEqual([key, (s as unknown as Record<string, unknown>)[key]]);
  expect(restored.forcedFailuresLeft).toHaveLength(2);
  expect(restored.rootCredentials.get('444455556666')).not.toHaveProperty('loginProfile');
});

test('a closure in progress comes back whole: its record, the quota log, refusals, peak and the change that completes it', () => {
  const s = new SandboxState();
  const closures = s.accountClosures;
  closures.records.set('111122223333', { accountId: '111122223333', requestedAt: 1_000, state: 'SUSPENDED', suspendedAt: 1_500 });
  closures.records.set('444455556666', { accountId: '444455556666', requestedAt: 2_000, state: 'PENDING_CLOSURE' });
  closures.accepted.push(1_000, 2_000);
  closures.refused = { quota: 1, requestsLimit: 2, alreadyClosed: 3 };
  closures.peakInProgress = 2;
  s.scheduledChanges.push({ id: 'c1', kind: CLOSE_ACCOUNT_COMPLETION, dueAt: 2_500, payload: { accountId: '444455556666' } });

  const { restored, missing } = roundTrip(s, new SandboxState());
  expect(missing).toEqual([]);
  expect(restored.accountClosures).toEqual(closures);
  expect(restored.accountClosures.records.get('444455556666')).toEqual({ accountId: '444455556666', requestedAt: 2_000, state: 'PENDING_CLOSURE' });
  expect(restored.scheduledChanges).toEqual([{ id: 'c1', kind: CLOSE_ACCOUNT_COMPLETION, dueAt: 2_500, payload: { accountId: '444455556666' } }]);
  // A reset after the restore starts the closures afresh, as before it.
  restored.clear();
  expect(restored.accountClosures).toEqual(new SandboxState().accountClosures);
});

test('a new SandboxState holds data only (a field initialised with a runtime object fails here)', () => {
  expect(() => encodeState(new SandboxState())).not.toThrow();
});

test('what is not data is refused, with the path of the field that holds it', () => {
  const timer = setTimeout(() => undefined, 60_000);
  try {
    const s = new SandboxState() as SandboxState & Record<string, unknown>;
    s.closureTimers = new Map([['111122223333', timer]]);
    expect(() => encodeState(s)).toThrow(NotPersistableError);
    expect(() => encodeState(s)).toThrow('SandboxState.closureTimers.get("111122223333") holds a Timeout, which is not data');
  } finally {
    clearTimeout(timer);
  }
  expect(() => encodeState({ handler: () => 1 })).toThrow('SandboxState.handler holds a function');
  expect(() => encodeState({ pending: Promise.resolve() })).toThrow('SandboxState.pending holds a Promise');
  // eslint-disable-next-line no-sparse-arrays
  expect(() => encodeState({ list: [1, , 3] })).toThrow('SandboxState.list is an array with a hole at 1');
});

test('an object reachable twice is refused: it would come back as two', () => {
  const record = { id: 'r1' };
  expect(() => encodeState({ byId: new Map([['r1', record]]), list: [record] })).toThrow(
    'SandboxState.list[0] and SandboxState.byId.get("r1") are the same object: keep it in one place and refer to it by its id',
  );
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  expect(() => encodeState({ cyclic })).toThrow(NotPersistableError);
});

test('reading back: an unknown field or a field of another kind is incompatible, and nothing is written then', () => {
  const saved = encodeState({ ...new SandboxState(), linkedAccountAccess: false, retired: 1 });
  const fresh = new SandboxState();
  expect(() => decodeStateInto(saved, fresh)).toThrow(IncompatibleStateError);
  expect(() => decodeStateInto(saved, fresh)).toThrow('SandboxState.retired was saved, but this sandbox has no such field');
  expect(fresh.linkedAccountAccess).toBe(true);

  const wrongKind = { ...encodeState(new SandboxState()), accounts: [] };
  expect(() => decodeStateInto(wrongKind, new SandboxState())).toThrow('SandboxState.accounts was saved as array, this sandbox keeps it as map');
  expect(() => decodeStateInto({ accounts: { $type: 'mystery' } }, new SandboxState())).toThrow('unknown tag "mystery"');
  expect(() => decodeStateInto([], new SandboxState())).toThrow(IncompatibleStateError);
});

test('reading back: a field the saved state lacks (added since) keeps its initial value and is reported', () => {
  const { cloudTrail: _dropped, ...rest } = encodeState(new SandboxState());
  const fresh = new SandboxState();
  const { missing } = decodeStateInto(rest, fresh);
  expect(missing).toEqual(['cloudTrail']);
  expect(fresh.cloudTrail).toEqual([]);
});

test("the day-1 baseline's changes in progress come back with their due times: a region ENABLING, an assignment creation IN_PROGRESS", () => {
  const s = new SandboxState();
  const enablingUntil = 1_700_000_600_000;
  s.baseline.regions.set(
    '111122223333',
    new Map([
      ['eu-south-1', { status: 'ENABLING', until: enablingUntil }],
      ['ap-east-1', { status: 'ENABLED' }],
      ['me-south-1', { status: 'DISABLED' }],
    ]),
  );
  s.baseline.assignmentCreations.push(
    {
      requestId: 'c0ffee00-0000-4000-8000-000000000001',
      instanceArn: 'arn:aws:sso:::instance/ssoins-1',
      targetId: '111122223333',
      permissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-1/ps-1',
      principalType: 'GROUP',
      principalId: 'g-1',
      status: 'IN_PROGRESS',
      createdAt: 1_700_000_000_000,
      completeAt: 1_700_000_002_000,
    },
    {
      requestId: 'c0ffee00-0000-4000-8000-000000000002',
      instanceArn: 'arn:aws:sso:::instance/ssoins-1',
      targetId: '111122223333',
      permissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-1/ps-2',
      principalType: 'USER',
      principalId: 'u-1',
      status: 'FAILED',
      createdAt: 1_700_000_000_000,
      completeAt: 1_700_000_002_000,
      failureReason: 'no such principal',
    },
  );
  s.baseline.contactInformation.set('111122223333', { FullName: 'Ops', AddressLine1: '1 Main St', City: 'Berlin', PostalCode: '10115', CountryCode: 'DE', PhoneNumber: '+49 30 1234' });
  s.baseline.counters.regionEnables = 2;
  s.baseline.counters.peakRegionChangesAccount = 1;
  s.baseline.counters.assignmentCreations['111122223333|arn:aws:sso:::permissionSet/ssoins-1/ps-1|GROUP|g-1'] = 1;

  const { restored, missing } = roundTrip(s, new SandboxState());
  expect(missing).toEqual([]);
  expect(restored.baseline).toEqual(s.baseline);
  expect(restored.baseline.regions.get('111122223333')?.get('eu-south-1')).toEqual({ status: 'ENABLING', until: enablingUntil });
  expect(restored.baseline.assignmentCreations[0]).toMatchObject({ status: 'IN_PROGRESS', completeAt: 1_700_000_002_000 });
  // A reset after the restore starts the baseline's state empty again.
  restored.clear();
  expect(restored.baseline).toEqual(new SandboxState().baseline);
});
