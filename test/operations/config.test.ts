/**
 * Configuration: the Temporal connection (plain, mTLS, API key) shared by worker, API and tests; real AWS by
 * configuration alone (mode, regional STS, credentials chain); the root-mailbox owner default; and secrets (API key,
 * AWS secret, encryption keys) in no log line and no error message.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import { createAwsClients, type AwsClients } from '../../activities/aws-clients';
import { apiConfigFromEnv as apiConfigFromRawEnv } from '../../client/api/config';
import { randomDecisionKeysEnv } from '../../client/decision-signer';

/** The API's configuration with a decision key ring present (it is required; its own tests are below). */
const DECISION_KEYS = randomDecisionKeysEnv();
const apiConfigFromEnv = (env: NodeJS.ProcessEnv) => apiConfigFromRawEnv({ ...DECISION_KEYS, ...env });
import { spawnManaged } from '../../tooling/processes';
import { awsSettingsFromEnv } from '../../config/aws';
import { parseConfig } from '../../config/parse';
import { clientConnectionOptions, describeTemporalConnection, nativeConnectionOptions, TemporalConnectionSchema } from '../../config/temporal-connection';
import { workerConfigFromEnv } from '../../worker/config';
import { randomEncryptionEnv } from '../support/env';
import { WORKFLOW_BUNDLE_PATH } from '../support/paths';

const ROOT = path.resolve(__dirname, '..', '..');
const files: Record<string, Buffer> = {
  '/etc/vend/client.pem': Buffer.from('CLIENT CERT'),
  '/etc/vend/client.key': Buffer.from('CLIENT KEY'),
  '/etc/vend/ca.pem': Buffer.from('SERVER CA'),
};
const read = (file: string) => {
  if (!files[file]) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
  return files[file];
};
const temporalFromEnv = (env: NodeJS.ProcessEnv) => workerConfigFromEnv({ VEND_AWS_ENDPOINT: 'http://127.0.0.1:4566', VEND_AWS_ACCESS_KEY_ID: 'k', VEND_AWS_SECRET_ACCESS_KEY: 's', ...env }).temporal;
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('Temporal connection', () => {
  test('plain by default: 127.0.0.1:7233, namespace default, task queue account-vending, no TLS, no key', () => {
    const c = temporalFromEnv({});
    expect(describeTemporalConnection(c)).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'account-vending', security: 'plain' });
    expect(nativeConnectionOptions(c, read)).toEqual({ address: '127.0.0.1:7233' });
    expect(clientConnectionOptions(c, read)).toEqual({ address: '127.0.0.1:7233' });
  });

  test('mTLS (self-hosted): client certificate pair, server CA and server name in both connections\' TLS options', () => {
    const c = temporalFromEnv({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'vending',
      VEND_TASK_QUEUE: 'vend-prod',
      TEMPORAL_TLS_CERT: '/etc/vend/client.pem',
      TEMPORAL_TLS_KEY: '/etc/vend/client.key',
      TEMPORAL_TLS_CA: '/etc/vend/ca.pem',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(describeTemporalConnection(c)).toEqual({ address: 'temporal.internal:7233', namespace: 'vending', taskQueue: 'vend-prod', security: 'mtls' });
    const tls = {
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: files['/etc/vend/ca.pem'],
      clientCertPair: { crt: files['/etc/vend/client.pem'], key: files['/etc/vend/client.key'] },
    };
    expect(nativeConnectionOptions(c, read)).toEqual({ address: 'temporal.internal:7233', tls });
    expect(clientConnectionOptions(c, read)).toEqual({ address: 'temporal.internal:7233', tls });
  });

  test('API key (Temporal Cloud): TLS on, the key and the namespace header in both connections\' options', () => {
    const c = temporalFromEnv({ TEMPORAL_ADDRESS: 'vending.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'vending.a1b2c', TEMPORAL_API_KEY: 'cloud-key-123' });
    expect(describeTemporalConnection(c).security).toBe('api-key');
    const expected = { address: 'vending.a1b2c.tmprl.cloud:7233', tls: true, apiKey: 'cloud-key-123', metadata: { 'temporal-namespace': 'vending.a1b2c' } };
    expect(nativeConnectionOptions(c, read)).toEqual(expected);
    expect(clientConnectionOptions(c, read)).toEqual(expected);
  });

  test('server-authenticated TLS without a client certificate: TEMPORAL_TLS=true, or a CA alone', () => {
    expect(nativeConnectionOptions(temporalFromEnv({ TEMPORAL_TLS: 'true' }), read)).toEqual({ address: '127.0.0.1:7233', tls: true });
    expect(clientConnectionOptions(temporalFromEnv({ TEMPORAL_TLS_CA: '/etc/vend/ca.pem' }), read)).toEqual({
      address: '127.0.0.1:7233',
      tls: { serverRootCACertificate: files['/etc/vend/ca.pem'] },
    });
  });

  test.each([
    [{ TEMPORAL_TLS_CERT: '/etc/vend/client.pem' }, 'TEMPORAL_TLS_CERT is set without TEMPORAL_TLS_KEY'],
    [{ TEMPORAL_TLS_KEY: '/etc/vend/client.key' }, 'TEMPORAL_TLS_KEY is set without TEMPORAL_TLS_CERT'],
    [{ TEMPORAL_API_KEY: 'k-1', TEMPORAL_TLS_CERT: '/etc/vend/client.pem', TEMPORAL_TLS_KEY: '/etc/vend/client.key' }, 'use one (API key for Temporal Cloud, mTLS'],
    [{ TEMPORAL_API_KEY: 'k-1', TEMPORAL_TLS: 'false' }, 'TEMPORAL_TLS=false contradicts'],
    [{ TEMPORAL_ADDRESS: 'http://temporal:7233' }, 'TEMPORAL_ADDRESS is host:port'],
  ])('refused with a clear message: %j', (env, message) => {
    const error = errorOf(() => temporalFromEnv(env));
    expect(error).toContain('invalid configuration');
    expect(error).toContain(message);
    expect(error).not.toContain('k-1');
  });

  test('an unreadable certificate file is named, its path given, nothing else', () => {
    const c = temporalFromEnv({ TEMPORAL_TLS_CERT: '/etc/vend/missing.pem', TEMPORAL_TLS_KEY: '/etc/vend/client.key' });
    expect(errorOf(() => nativeConnectionOptions(c, read))).toBe('cannot read TEMPORAL_TLS_CERT (/etc/vend/missing.pem): ENOENT');
  });

  test('the worker and the API read the same settings with the same schema', () => {
    const env = { TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'vending', VEND_TASK_QUEUE: 'q', TEMPORAL_API_KEY: 'same-key' };
    const api = apiConfigFromEnv(env).temporal;
    expect(clientConnectionOptions(api, read)).toEqual(nativeConnectionOptions(temporalFromEnv(env), read));
    expect(parseConfig(TemporalConnectionSchema, { address: 'x:1', apiKey: api.apiKey }).apiKey?.reveal()).toBe('same-key');
  });

  test('the API key never prints: not in JSON, not in util.inspect, not in a pino line, not in a config error', () => {
    const key = `tmprl-${randomUUID()}`;
    const config = apiConfigFromEnv({ TEMPORAL_API_KEY: key, TEMPORAL_ADDRESS: 'cloud.example:7233' });
    const lines: string[] = [];
    const log = pino({ level: 'trace' }, new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }));
    log.info({ config }, 'api config');
    log.info({ temporal: config.temporal }, 'temporal');
    expect(lines.join('')).toContain('[redacted]');
    expect(lines.join('')).not.toContain(key);
    expect(JSON.stringify(config)).not.toContain(key);
    expect(inspect(config, { depth: 10 })).not.toContain(key);
    expect(String(config.temporal.apiKey)).toBe('[redacted]');
    const refused = errorOf(() => apiConfigFromEnv({ TEMPORAL_API_KEY: key, TEMPORAL_TLS_CERT: '/c', TEMPORAL_TLS: 'false', API_PORT: 'x' }));
    expect(refused).toContain('TEMPORAL_API_KEY and a client certificate');
    expect(refused).not.toContain(key);
  });
});

describe('AWS by configuration alone', () => {
  test('mode: sandbox when a single endpoint is given, aws otherwise; explicit VEND_AWS_MODE is checked', () => {
    const sandbox = awsSettingsFromEnv({ VEND_AWS_ENDPOINT: 'http://127.0.0.1:4566', VEND_AWS_ACCESS_KEY_ID: 'AKIDSANDBOX', VEND_AWS_SECRET_ACCESS_KEY: 'sandbox-secret' });
    expect(sandbox.awsMode).toBe('sandbox');
    const aws = awsSettingsFromEnv({ VEND_AWS_REGION: 'eu-west-1', VEND_MEMBER_ROLE_NAME: 'VendingAccessRole' });
    expect(aws).toMatchObject({ awsMode: 'aws', aws: { region: 'eu-west-1', memberRoleName: 'VendingAccessRole' } });
    expect(aws.aws.endpoint).toBeUndefined();
    expect(aws.aws.staticCredentials).toBeUndefined(); // the default AWS credentials chain
    expect(awsSettingsFromEnv({ VEND_AWS_MODE: 'aws', VEND_STS_ENDPOINT: 'https://vpce-1.sts.eu-west-1.vpce.amazonaws.com' }).aws.stsEndpoint).toBe(
      'https://vpce-1.sts.eu-west-1.vpce.amazonaws.com',
    );
  });

  test.each([
    [{ VEND_AWS_MODE: 'sandbox' }, 'VEND_AWS_MODE=sandbox needs VEND_AWS_ENDPOINT'],
    [{ VEND_AWS_MODE: 'aws', VEND_AWS_ENDPOINT: 'http://127.0.0.1:4566', VEND_AWS_ACCESS_KEY_ID: 'AKID', VEND_AWS_SECRET_ACCESS_KEY: 'very-secret-1' }, 'with VEND_AWS_MODE=aws every service uses its real AWS endpoint'],
    [{ VEND_AWS_MODE: 'aws', VEND_AWS_ACCESS_KEY_ID: 'AKID', VEND_AWS_SECRET_ACCESS_KEY: 'very-secret-1' }, 'default AWS credentials chain'],
    [{ VEND_AWS_SECRET_ACCESS_KEY: 'very-secret-1' }, 'go together'],
    [{ VEND_AWS_MODE: 'aws', VEND_AWS_QUOTA_SCALE: '10' }, 'against AWS it must be 1'],
    [{ VEND_AWS_MODE: 'moto' }, 'awsMode'],
    [{ VEND_STS_ENDPOINT: 'not a url' }, 'aws.stsEndpoint'],
    [{ VEND_METRICS_ADDRESS: 'http://0.0.0.0:9464' }, 'metricsAddress: host:port'],
  ])('refused with a clear message, secrets unquoted: %j', (env, message) => {
    const error = errorOf(() => workerConfigFromEnv(env));
    expect(error).toContain(message);
    expect(error).not.toContain('very-secret-1');
  });

  describe('endpoints the clients really call', () => {
    const clients: AwsClients[] = [];
    afterAll(() => clients.forEach((c) => c.destroy()));
    /** The URL of the next STS call (AssumeRoot), captured after endpoint resolution and signing; nothing is sent. */
    async function assumeRootUrl(env: NodeJS.ProcessEnv): Promise<string> {
      const config = awsSettingsFromEnv(env);
      const aws = createAwsClients({ ...config.aws, staticCredentials: config.aws.staticCredentials ?? { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } });
      clients.push(aws);
      let url = '';
      aws.sts.middlewareStack.add(
        () => async (args) => {
          const request = args.request as { protocol: string; hostname: string; port?: number; path: string };
          url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}`;
          throw new Error('captured');
        },
        { step: 'finalizeRequest', priority: 'low', name: 'captureUrl' },
      );
      await expect(aws.rootSession('123456789012', 'IAMAuditRootUserCredentials')).rejects.toThrow('captured');
      return url;
    }

    test('real AWS: AssumeRoot goes to the regional STS endpoint of the configured region, never sts.amazonaws.com', async () => {
      expect(await assumeRootUrl({ VEND_AWS_MODE: 'aws', VEND_AWS_REGION: 'eu-west-1' })).toBe('https://sts.eu-west-1.amazonaws.com/');
      const previous = process.env.AWS_STS_REGIONAL_ENDPOINTS;
      process.env.AWS_STS_REGIONAL_ENDPOINTS = 'legacy'; // the old SDK v2 switch to the global endpoint: not in play
      try {
        expect(await assumeRootUrl({ VEND_AWS_MODE: 'aws', VEND_AWS_REGION: 'us-east-1' })).toBe('https://sts.us-east-1.amazonaws.com/');
      } finally {
        if (previous === undefined) delete process.env.AWS_STS_REGIONAL_ENDPOINTS;
        else process.env.AWS_STS_REGIONAL_ENDPOINTS = previous;
      }
    });

    test('sandbox: every call to the one endpoint; VEND_STS_ENDPOINT overrides STS alone', async () => {
      const sandbox = { VEND_AWS_ENDPOINT: 'http://127.0.0.1:4566', VEND_AWS_ACCESS_KEY_ID: 'AKIDSANDBOX', VEND_AWS_SECRET_ACCESS_KEY: 'sandbox-secret' };
      expect(await assumeRootUrl(sandbox)).toBe('http://127.0.0.1:4566/');
      expect(await assumeRootUrl({ VEND_AWS_MODE: 'aws', VEND_AWS_REGION: 'eu-west-1', VEND_STS_ENDPOINT: 'https://sts-vpce.example.internal' })).toBe(
        'https://sts-vpce.example.internal/',
      );
      const aws = createAwsClients(awsSettingsFromEnv({ VEND_AWS_MODE: 'aws', VEND_AWS_REGION: 'eu-west-1' }).aws);
      clients.push(aws);
      const organizations = await aws.organizations.config.endpointProvider({ Region: 'eu-west-1', UseFIPS: false, UseDualStack: false });
      expect(organizations.url.hostname).toMatch(/^organizations\.(us-east-1\.)?amazonaws\.com$/);
    });
  });
});

test('VEND_ROOT_MAILBOX_OWNER is the default for every request\'s policy; VEND_POLICY may still set its own', () => {
  expect(apiConfigFromEnv({ VEND_ROOT_MAILBOX_OWNER: 'cloud-platform@example.com' }).policy.rootMailboxOwner).toBe('cloud-platform@example.com');
  expect(
    apiConfigFromEnv({ VEND_ROOT_MAILBOX_OWNER: 'cloud-platform@example.com', VEND_POLICY: '{"rootMailboxOwner":"finance@example.com","decisionDeadlineMs":1000}' }).policy,
  ).toMatchObject({ rootMailboxOwner: 'finance@example.com', decisionDeadlineMs: 1000 });
  expect(apiConfigFromEnv({ VEND_ROOT_MAILBOX_OWNER: 'ops@example.com', VEND_POLICY: '{"decisionDeadlineMs":1000}' }).policy).toMatchObject({
    rootMailboxOwner: 'ops@example.com',
    decisionDeadlineMs: 1000,
  });
});

describe('the worker process prints no secret', () => {
  const run = (env: NodeJS.ProcessEnv, untilLine?: RegExp): Promise<{ output: string; code: number | null }> =>
    new Promise((resolve) => {
      const lines: string[] = [];
      const proc = spawnManaged('worker', path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'worker', 'main.ts')], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
        onLine: (line) => {
          lines.push(line);
          if (untilLine?.test(line)) void proc.stop();
        },
      });
      // Generous: the worker starts in seconds, but a loaded machine can take far longer; the wait ends at the line.
      const timer = setTimeout(() => void proc.stop(), 120_000);
      void proc.exited.then((code) => {
        clearTimeout(timer);
        resolve({ output: lines.join('\n'), code });
      });
    });

  test('running (debug logs): no AWS secret, no encryption or HMAC key in any line', async () => {
    const secret = `aws-secret-${randomUUID()}`;
    const encryption = randomEncryptionEnv();
    const { output } = await run(
      {
        TEMPORAL_ADDRESS: process.env.VEND_TEST_TEMPORAL_ADDRESS,
        VEND_TASK_QUEUE: `test-${randomUUID()}`,
        VEND_AWS_ENDPOINT: 'http://127.0.0.1:1',
        VEND_AWS_ACCESS_KEY_ID: 'AKIDSECRETTEST',
        VEND_AWS_SECRET_ACCESS_KEY: secret,
        LOG_LEVEL: 'debug',
        // The suite's prebuilt bundle, as the image does: no webpack run inside the process's start.
        VEND_WORKFLOW_BUNDLE: WORKFLOW_BUNDLE_PATH,
        ...encryption,
      },
      /worker running/,
    );
    expect(output).toMatch(/"msg":"worker running"/);
    const running = JSON.parse(output.split('\n').find((l) => l.includes('worker running'))!);
    expect(running).toMatchObject({ temporal: { security: 'plain' }, aws: { mode: 'sandbox' }, encryption: { keyId: 'test-1' } });
    for (const value of [secret, JSON.parse(encryption.VEND_ENCRYPTION_KEYS)['test-1'], encryption.VEND_SEARCH_HMAC_KEY]) expect(output).not.toContain(value);
  }, 150_000);

  test('an API key that Temporal never sees (TLS to a plain server) fails the start without printing the key', async () => {
    const key = `tmprl-${randomBytes(16).toString('hex')}`;
    const { output, code } = await run({
      TEMPORAL_ADDRESS: process.env.VEND_TEST_TEMPORAL_ADDRESS,
      TEMPORAL_API_KEY: key,
      VEND_AWS_ENDPOINT: 'http://127.0.0.1:1',
      VEND_AWS_ACCESS_KEY_ID: 'AKID',
      VEND_AWS_SECRET_ACCESS_KEY: 'x',
    });
    expect(code).not.toBe(0);
    expect(output).toMatch(/vending worker: .*(connect|transport|tls|TLS)/);
    expect(output).not.toContain(key);
  }, 150_000);
});
