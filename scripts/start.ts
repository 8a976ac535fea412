/**
 * `npm start`: the whole local stack in one terminal. Temporal dev server (with its Web UI and a persistent SQLite
 * file), the AWS sandbox (moto behind our gateway), the worker and the request API. Ctrl-C stops all of them.
 * Readable lines on a terminal, JSON lines otherwise (scripts/start-console.ts).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEV_TOKENS } from '../client/api/auth';
import { DEFAULT_TASK_QUEUE } from '../contract/task-queues';
import { sandboxWorkerEnv, startSandbox, type RunningSandbox } from '../sandbox';
import { parseConfig } from '../config/parse';
import { DEFAULT_DATA_DIR, LocalSandboxEnvSchema } from '../config/local-sandbox';
import { ensureTools, PROJECT_ROOT } from '../tooling/bootstrap-tools';
import { localDecisionKeys } from './local-decision-keys';
import { isPortOpen, spawnManaged, waitForPort, type ManagedProcess } from '../tooling/processes';
import { startTemporalDevServer, type RunningDevServer } from '../tooling/temporal-dev-server';
import { startConsole, type StartConsole } from './start-console';
import { publishLocalSandbox } from './local-doctor';
import { WORKER_NODE_FLAGS } from '../worker/node-flags';

const port = z.coerce.number().int().min(1).max(65535);
const StartConfigSchema = z.object({
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  SANDBOX_PORT: port.default(4566),
  API_PORT: port.default(3000),
  // Absolute: the printed doctor command line names it, and may be run from another folder.
  VEND_DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR).transform((dir) => path.resolve(dir)),
  VEND_TASK_QUEUE: z.string().default(DEFAULT_TASK_QUEUE),
});

/** The SDK's first release needing Node.js 22 (its NodeVersionSupportWarning). */
const AWS_SDK_NODE_MAJOR = 22;

/**
 * The AWS SDK warns once per process on Node.js < 22; with a worker, an API and the sandbox that is one copy each.
 * Its documented switch (AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true) silences it in this process and the
 * children, which inherit our environment, and npm start says it once instead.
 */
function silenceAwsSdkNodeWarning(out: StartConsole): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const major = Number(process.versions.node.split('.')[0]);
  if (major < AWS_SDK_NODE_MAJOR) {
    out.say(`note: Node.js ${process.versions.node}: AWS SDK releases after January 2027 need Node.js >= ${AWS_SDK_NODE_MAJOR} (use 24)`, {
      nodeVersion: process.versions.node,
    });
  }
}

async function main(): Promise<void> {
  const out = await startConsole();
  const say = (line: string) => out.say(line);
  const prefixed = (name: string) => (line: string, stream: 'stdout' | 'stderr') => out.child(name, line, stream);
  const config = parseConfig(StartConfigSchema, process.env);
  silenceAwsSdkNodeWarning(out);
  for (const [name, p] of [
    ['TEMPORAL_PORT', config.TEMPORAL_PORT],
    ['TEMPORAL_UI_PORT', config.TEMPORAL_UI_PORT],
    ['SANDBOX_PORT', config.SANDBOX_PORT],
    ['API_PORT', config.API_PORT],
  ] as const) {
    if (await isPortOpen(p)) throw new Error(`port ${p} (${name}) is already in use: stop what holds it or set ${name}`);
  }
  const tools = ensureTools(say);
  mkdirSync(config.VEND_DATA_DIR, { recursive: true });

  const stops: Array<() => Promise<void>> = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping: API, worker, sandbox, Temporal ...');
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    say('stopped.');
    process.exit(code);
  };
  // `on`, not `once`: under load tsx may relay a Ctrl-C to us a second time, and with no listener left its signal
  // handler exits at once, cutting the stop short (the sandbox's last save among it). stopAll runs once anyway.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    // The workflow bundle is built by its own short-lived process while the servers start (see bundle-workflows.ts).
    const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
    const bundlePath = path.join(config.VEND_DATA_DIR, 'workflow-bundle.js');
    const bundler = spawnManaged('bundle', tsx, [path.join(PROJECT_ROOT, 'tooling', 'bundle-workflows.ts'), bundlePath], {
      onLine: prefixed('bundle'),
    });
    const temporal: RunningDevServer = await startTemporalDevServer({
      temporalCli: tools.temporal,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: path.join(config.VEND_DATA_DIR, 'temporal.db'),
      logFormat: out.format === 'json' ? 'json' : 'text',
      onLine: prefixed('temporal'),
    });
    stops.push(() => temporal.process.stop());

    // The sandbox's AWS state lives beside Temporal's, so requests in flight find their accounts after a restart.
    const sandbox: RunningSandbox = await startSandbox({
      port: config.SANDBOX_PORT,
      motoServerBin: tools.motoServer,
      dataDir: path.join(config.VEND_DATA_DIR, 'sandbox'),
      log: (line) => prefixed('sandbox')(line.replace(/^\[sandbox\] /, ''), 'stdout'),
    });
    stops.push(() => sandbox.stop());
    // For `vend doctor` (scripts/local-doctor.ts); removed first at Ctrl-C, before the sandbox stops.
    const doctor = publishLocalSandbox(config.VEND_DATA_DIR, LocalSandboxEnvSchema.parse(sandboxWorkerEnv(sandbox)));
    stops.push(async () => doctor.remove());

    if ((await bundler.exited) !== 0) throw new Error('bundling the workflow code failed (see [bundle] above)');
    const appEnv = {
      ...localDecisionKeys(config.VEND_DATA_DIR),
      ...process.env,
      VEND_WORKFLOW_BUNDLE: bundlePath,
      VEND_METRICS_ADDRESS: process.env.VEND_METRICS_ADDRESS ?? '127.0.0.1:9464',
      TEMPORAL_ADDRESS: temporal.address,
      VEND_TASK_QUEUE: config.VEND_TASK_QUEUE,
      ...sandboxWorkerEnv(sandbox),
      API_PORT: String(config.API_PORT),
    };
    const children: ManagedProcess[] = [];
    for (const [name, entry, nodeFlags] of [
      ['worker', 'worker/main.ts', WORKER_NODE_FLAGS],
      ['api', 'client/api/main.ts', []],
    ] as const) {
      // tsx hands node flags placed before the script to the node process that runs it.
      const child = spawnManaged(name, tsx, [...nodeFlags, path.join(PROJECT_ROOT, entry)], { env: appEnv, onLine: prefixed(name) });
      children.push(child);
      stops.push(() => child.stop());
      void child.exited.then((code) => {
        if (!stopping) {
          out.say(`${name} exited unexpectedly (code ${code}); stopping the stack`, { process: name, code });
          void stopAll(1);
        }
      });
    }
    await waitForPort(config.API_PORT, '127.0.0.1', 60_000, children[1]);

    const endpoints = {
      api: `http://127.0.0.1:${config.API_PORT}`,
      temporalUi: temporal.uiUrl,
      temporalAddress: temporal.address,
      namespace: 'default',
      taskQueue: config.VEND_TASK_QUEUE,
      sandbox: sandbox.endpoint,
      metrics: `http://${appEnv.VEND_METRICS_ADDRESS}/metrics`,
      temporalState: path.join(config.VEND_DATA_DIR, 'temporal.db'),
      sandboxState: sandbox.persistence?.file ?? 'in memory',
    };
    out.block(
      [
        '',
        'Account vending is running:',
        `  Request API        ${endpoints.api}   (OpenAPI: /openapi.json)`,
        `  Temporal Web UI    ${endpoints.temporalUi}`,
        `  Temporal gRPC      ${endpoints.temporalAddress}   (namespace ${endpoints.namespace}, task queue ${endpoints.taskQueue})`,
        `  AWS sandbox        ${endpoints.sandbox}   (control API: ${endpoints.sandbox}/sandbox/state)`,
        `  Worker metrics     ${endpoints.metrics}`,
        `  Temporal state     ${endpoints.temporalState}`,
        `  AWS sandbox state  ${endpoints.sandboxState}`,
        '',
        'Local API tokens (Authorization: Bearer <token>):',
        ...Object.entries(DEV_TOKENS).map(([token, p]) => `  ${token.padEnd(14)} user ${p.user.padEnd(6)} roles ${p.roles.join(', ')}`),
        '',
        "Check the sandbox's organization as an operator checks theirs (vend doctor, the worker's AWS settings):",
        `  ${doctor.here}`,
        `  ${doctor.explicit}   (from any shell)`,
        '',
        'Try:',
        `  curl -s -X POST ${endpoints.api}/v1/account-requests -H 'Authorization: Bearer dev-requester' \\`,
        `       -H 'content-type: application/json' -d '{"accountName":"team-a-dev","email":"team-a-dev@example.com","organizationalUnit":"Workloads"}'`,
        '',
        'Ctrl-C stops everything.',
      ],
      'account vending is running',
      {
        ...endpoints,
        devTokens: Object.entries(DEV_TOKENS).map(([token, p]) => ({ token, user: p.user, roles: p.roles })),
        doctor: { here: doctor.here, explicit: doctor.explicit, localSandboxFile: doctor.file },
      },
    );
  } catch (err) {
    process.stderr.write(`npm start: ${(err as Error).message}\n`);
    await stopAll(1);
  }
}

main().catch((err: Error) => {
  // A bad setting (parseConfig names it) or a start that failed before the stop handlers existed.
  process.stderr.write(`npm start: ${err.message}\n`);
  process.exit(1);
});
