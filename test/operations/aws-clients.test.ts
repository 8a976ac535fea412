/**
 * activities/aws-clients.ts against the sandbox: Cost Explorer is served from us-east-1 only, so the member session's
 * Cost Explorer client is pinned there (signed for us-east-1) whatever VEND_AWS_REGION says, while the regional
 * services keep the worker's region.
 */
import { GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { type RunningSandbox } from '../../sandbox';
import { createAwsClients, type AwsClients } from '../../activities/aws-clients';
import { createAccount, startTestSandbox, waitFor } from '../sandbox/helpers';

let sb: RunningSandbox;
let aws: AwsClients;
beforeAll(async () => {
  sb = await startTestSandbox({ timeScale: 100 });
  aws = createAwsClients({ region: 'eu-west-1', endpoint: sb.endpoint, staticCredentials: sb.credentials, memberRoleName: 'OrganizationAccountAccessRole', maxAttempts: 3 });
});
afterAll(async () => {
  aws?.destroy();
  await sb?.stop();
});

test('the member session signs Cost Explorer calls for us-east-1 with the worker in eu-west-1; CloudTrail stays regional', async () => {
  const accountId = await createAccount(sb, 'ce-region@example.com');
  const session = await waitFor(
    'the member role to be assumable',
    async () => {
      try {
        return await aws.memberSession(accountId);
      } catch (err) {
        if ((err as Error).name === 'AccessDenied') return undefined;
        throw err;
      }
    },
    30_000,
  );
  expect(await session.costExplorer.config.region()).toBe('us-east-1');
  expect(await session.cloudTrail.config.region()).toBe('eu-west-1');

  let authorization = '';
  session.costExplorer.middlewareStack.add(
    (next) => async (args) => {
      authorization = String((args.request as { headers?: Record<string, string> }).headers?.authorization ?? '');
      return next(args);
    },
    { step: 'deserialize', name: 'captureSignature' },
  );
  await session.costExplorer.send(
    new GetCostAndUsageCommand({ TimePeriod: { Start: '2026-01-01', End: '2026-01-02' }, Granularity: 'DAILY', Metrics: ['UnblendedCost'] }),
  ).catch(() => undefined); // the answer is not the point; the signature is
  expect(authorization).toMatch(/Credential=[^/]+\/\d{8}\/us-east-1\/ce\/aws4_request/);
});
