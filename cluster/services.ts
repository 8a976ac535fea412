/**
 * The environment of each service of the team deployment, natively: the same variable names docker-compose.yml sets
 * for the same service (test/operations/compose.test.ts compares them), with loopback addresses and this machine's
 * ports instead of the compose network's names.
 */
import path from 'node:path';
import { SEARCH_ATTRIBUTE_NAMES } from '../contract/search-attributes';
import { PROJECT_ROOT } from '../tooling/bootstrap-tools';
import { NAMESPACE_RETENTION_DAYS } from './versions';

export const DYNAMIC_CONFIG_FILE = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml');
/** The schema job: the same script compose's temporal-schema service runs. */
export const SCHEMA_SCRIPT = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'setup-schema.sh');
/** Compose's temporal-setup script; natively the same is done through the SDK (cluster/temporal.ts). */
export const NAMESPACE_SCRIPT = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'setup-namespace.sh');

/** Ports of the Temporal server's four services (compose: the image's defaults, 7233-7239 and 6933-6939). */
export interface TemporalPorts {
  frontendGrpc: number;
  frontendHttp: number;
  frontendMembership: number;
  historyGrpc: number;
  historyMembership: number;
  matchingGrpc: number;
  matchingMembership: number;
  workerGrpc: number;
  workerMembership: number;
}

/** Only the native cluster sets these: compose keeps the image's default ports inside its own network. */
export const NATIVE_ONLY_TEMPORAL_ENV = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;

export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** temporal-sql-tool's connection (deploy/temporal/setup-schema.sh). */
export function schemaEnv(pg: PostgresEndpoint): Record<string, string> {
  return {
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: pg.host,
    SQL_PORT: String(pg.port),
    SQL_USER: pg.user,
    SQL_PASSWORD: pg.password,
  };
}

/** `temporal-server start`: the embedded config template of the temporalio/server image reads these. */
export function temporalServerEnv(pg: PostgresEndpoint, host: string, ports: TemporalPorts, logLevel = 'warn'): Record<string, string> {
  return {
    DB: 'postgres12',
    // The template reads DB_PORT for the main store and POSTGRES_PORT for the visibility store.
    DB_PORT: String(pg.port),
    POSTGRES_PORT: String(pg.port),
    POSTGRES_SEEDS: pg.host,
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: pg.password,
    // Fixed when the cluster is first created; 4 is ample: AWS's 0.1 CreateAccount/s bounds the load.
    NUM_HISTORY_SHARDS: '4',
    DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG_FILE,
    BIND_ON_IP: host,
    // No authorizer: the frontend is reachable only by the worker, the API and the UI (here: loopback).
    TEMPORAL_ALLOW_NO_AUTH: 'true',
    LOG_LEVEL: logLevel,
    FRONTEND_GRPC_PORT: String(ports.frontendGrpc),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_GRPC_PORT: String(ports.historyGrpc),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_GRPC_PORT: String(ports.matchingGrpc),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_GRPC_PORT: String(ports.workerGrpc),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
  };
}

/** What the compose setup job (deploy/temporal/setup-namespace.sh) is given; natively cluster/temporal.ts does the same. */
export function namespaceSetupEnv(address: string, namespace: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    NAMESPACE_RETENTION: `${NAMESPACE_RETENTION_DAYS * 24}h`,
    SEARCH_ATTRIBUTES: SEARCH_ATTRIBUTE_NAMES.join(' '),
  };
}

export function uiEnv(address: string, namespace: string, port: number): Record<string, string> {
  return { TEMPORAL_ADDRESS: address, TEMPORAL_DEFAULT_NAMESPACE: namespace, TEMPORAL_UI_PORT: String(port) };
}

/** What the worker and the API share: where Temporal is and which queue. */
export function temporalClientEnv(address: string, namespace: string, taskQueue: string): Record<string, string> {
  return { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, VEND_TASK_QUEUE: taskQueue };
}

/** A worker process: the compiled worker/main.ts against the AWS sandbox, with the prebuilt workflow bundle. */
export function workerServiceEnv(opts: {
  temporal: Record<string, string>;
  aws: Record<string, string>;
  bundlePath: string;
  metricsAddress: string;
}): Record<string, string> {
  return { ...opts.temporal, ...opts.aws, VEND_WORKFLOW_BUNDLE: opts.bundlePath, VEND_METRICS_ADDRESS: opts.metricsAddress, LOG_LEVEL: 'info' };
}

/** An API process: the compiled client/api/main.ts with the local dev tokens (compose: OIDC). */
export function apiServiceEnv(opts: { temporal: Record<string, string>; host: string; port: number; decisionKeys: Record<string, string> }): Record<string, string> {
  // Every API process signs human decisions with the same ring (scripts/local-decision-keys.ts).
  return { ...opts.temporal, API_HOST: opts.host, API_PORT: String(opts.port), VEND_DECISION_KEYS: opts.decisionKeys.VEND_DECISION_KEYS, VEND_AUTH_MODE: 'dev', LOG_LEVEL: 'info' };
}
