/** Builds the request API (Fastify + zod schemas + OpenAPI); main.ts listens, tests inject or listen on a free port. */
import { GuardianFindingsReader, type VendingClient } from '../temporal';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { type PolicyOverrides } from '../../contract/policy';
import { type BaselinePolicyOverrides } from '../../contract/baseline';
import { BlueprintCatalog } from '../blueprint-catalog';
import { type DecisionSigner } from '../decision-signer';
import { OrganizationDirectoryReader } from '../organization-directory';
import { type Authenticator } from './auth';
import { DEFAULT_CLOSURE_API_CONFIG, type ClosureApiConfig } from './closure-config';
import { clientErrorHandler } from './client-errors';
import { registerDocs } from './docs';
import { frameworkErrors, installErrorHandling } from './errors';
import { healthRoutes } from './health';
import { IDEMPOTENCY_WINDOW_MS } from './idempotency';
import { requestLogFields } from './log-redaction';
import { RouteTable } from './route-table';
import { accountRequestRoutes } from './routes/account-requests';
import { closureRequestRoutes } from './routes/closure-requests';

export interface ApiDependencies {
  temporal: VendingClient;
  taskQueue: string;
  policy: PolicyOverrides;
  /** Signs the human decisions the API forwards (the workflows verify them). */
  signer: DecisionSigner;
  authenticator: Authenticator;
  logLevel?: string;
  /** Where the JSON log lines go (default stdout); tests capture them. */
  logStream?: NodeJS.WritableStream;
  idempotencyWindowMs?: number;
  /** Account closure settings (client/api/closure-config.ts); default: quarantine OU `Suspended`, nothing protected. */
  closure?: ClosureApiConfig;
  /** The blueprints requests may name (and OUs' defaults); none when unset. */
  blueprints?: BlueprintCatalog;
  /** Overrides of the baseline's timing defaults (contract/baseline.ts). */
  baselinePolicy?: BaselinePolicyOverrides;
  /** Sees every route as it is added (the OpenAPI completeness test walks them). */
  onRoute?: (route: RouteOptions) => void;
}

/** A caller's X-Request-Id is kept when it is a plain token, so logs on both sides correlate; anything else is replaced. */
const REQUEST_ID_HEADER = /^[\w.:-]{1,64}$/;

export async function buildApi(deps: ApiDependencies): Promise<FastifyInstance> {
  const logger: FastifyServerOptions['logger'] = {
    level: deps.logLevel ?? 'info',
    redact: ['req.headers.authorization'],
    // Method and path only: no query string (an email in ?email=) and no path segment that could hold an address.
    serializers: { req: requestLogFields },
    ...(deps.logStream ? { stream: deps.logStream } : {}),
  };
  const app = Fastify({
    logger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_HEADER.test(given) ? given : randomUUID();
    },
    bodyLimit: 64 * 1024,
    // On close: refuse new requests with 503, let in-flight ones finish, drop idle keep-alive connections.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();
  const routes = new RouteTable();
  app.addHook('onRoute', (route) => {
    routes.add(route);
    deps.onRoute?.(route);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app, routes);
  // Graceful close: Fastify stops accepting and drops idle keep-alive connections, but a connection whose request
  // is still in flight would stay open (keep-alive) after its answer and hold close() up; answer it with
  // `Connection: close` instead.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });

  await registerDocs(app);
  const organizationDirectory = new OrganizationDirectoryReader(deps.temporal, deps.taskQueue);
  await app.register(healthRoutes, { temporal: deps.temporal, organizationDirectory });
  // What every route of /v1 shares: one directory reader, one blueprint catalog.
  const routeContext = {
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    policy: deps.policy,
    signer: deps.signer,
    authenticator: deps.authenticator,
    idempotencyWindowMs: deps.idempotencyWindowMs ?? IDEMPOTENCY_WINDOW_MS,
    organizationDirectory,
    blueprints: deps.blueprints ?? new BlueprintCatalog([]),
    baselinePolicy: deps.baselinePolicy ?? {},
    guardianFindings: new GuardianFindingsReader(deps.temporal),
  };
  await app.register(accountRequestRoutes, routeContext);
  await app.register(closureRequestRoutes, { ...routeContext, closure: deps.closure ?? DEFAULT_CLOSURE_API_CONFIG });
  return app;
}
