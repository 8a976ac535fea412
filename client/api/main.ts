/** The request API process: `npm run api`. Config from the environment (client/api/config.ts). */
import { Client, Connection } from '@temporalio/client';
import { buildApi } from './app';
import { staticTokenAuthenticator } from './auth';
import { apiConfigFromEnv } from './config';

async function main(): Promise<void> {
  const config = apiConfigFromEnv();
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = await buildApi({
    temporal,
    taskQueue: config.temporal.taskQueue,
    policy: config.policy,
    authenticator: staticTokenAuthenticator(),
    logLevel: config.logLevel,
  });
  const close = async () => {
    // Stops accepting connections and lets in-flight requests finish.
    await app.close();
    await connection.close();
    process.exit(0);
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  await app.listen({ host: config.host, port: config.port });
}

main().catch((err: Error) => {
  process.stderr.write(`vending API: ${err.message}\n`);
  process.exit(1);
});
