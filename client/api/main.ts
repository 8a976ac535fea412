/** The request API process: `npm run api`. Config from the environment (client/api/config.ts). */
import { codecServer } from './codec-routes';
import { dataProtection } from '../../encryption';
import { resolvePolicy } from '../../contract/policy-defaults';
import { baselinePolicyFromEnv, checkBlueprintsFit } from '../baseline';
import { blueprintsDirFromEnv } from '../../config/blueprint-files';
import { loadBlueprintCatalog } from '../blueprint-catalog';
import { DecisionSigner } from '../decision-signer';
import { connectTemporalLazily, createVendingClient } from '../temporal';
import { buildApi } from './app';
import { apiConfigFromEnv, authenticatorFor } from './config';

async function main(): Promise<void> {
  const config = apiConfigFromEnv();
  // An invalid blueprint file stops the API here, naming the file and the field.
  const blueprints = loadBlueprintCatalog(blueprintsDirFromEnv(process.env));
  const baselinePolicy = baselinePolicyFromEnv(process.env);
  checkBlueprintsFit(blueprints.blueprints, resolvePolicy(config.policy), baselinePolicy);
  const protection = dataProtection(config.encryption);
  // Lazy: the API comes up and answers 503 (and /readyz says not ready) while Temporal is down.
  const connection = connectTemporalLazily(config.temporal);
  const temporal = createVendingClient(connection, config.temporal.namespace, protection);
  const authenticator = authenticatorFor(config.auth);
  const app = await buildApi({
    temporal,
    taskQueue: config.temporal.taskQueue,
    policy: config.policy,
    signer: new DecisionSigner(config.decisionKeys!),
    authenticator,
    logLevel: config.logLevel,
    closure: config.closure,
    blueprints,
    baselinePolicy,
  });
  // The codec endpoint for the Web UI / CLI, with encryption on: operators decode, nobody else.
  if (protection.codec) await app.register(codecServer, { codec: protection.codec, authenticator, corsOrigins: config.codecCorsOrigins });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    // Requests still running after the grace period are abandoned rather than holding a deploy forever.
    const force = setTimeout(() => {
      app.log.error('in-flight requests did not finish within the grace period; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    try {
      await app.close();
      await connection.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ host: config.host, port: config.port });
}

main().catch((err: Error) => {
  process.stderr.write(`vending API: ${err.message}\n`);
  process.exit(1);
});
