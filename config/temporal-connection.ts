/**
 * How the worker, the API and the tests reach Temporal: one zod schema, three shapes.
 *
 * - plain: a local or private server without TLS (default `127.0.0.1:7233`);
 * - mTLS, for a self-hosted cluster: `TEMPORAL_TLS_CERT` + `TEMPORAL_TLS_KEY` (file paths), optionally
 *   `TEMPORAL_TLS_CA` (the server's CA, PEM file) and `TEMPORAL_TLS_SERVER_NAME` (the name on the server's certificate);
 *   `TEMPORAL_TLS=true` alone (or with a CA / server name) is server-authenticated TLS without a client certificate;
 * - API key, for Temporal Cloud: `TEMPORAL_API_KEY`, TLS on.
 * Namespace `TEMPORAL_NAMESPACE` (default `default`), task queue `VEND_TASK_QUEUE` (default `account-vending`).
 *
 * The API key and the key file's contents are secrets: the key is held in a {@link Secret} that prints as
 * `[redacted]` (JSON, util.inspect, String), file contents are only read when the connection is built, and no message
 * here quotes a value.
 */
import { type ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../contract/task-queues';

/** A secret string that does not print: JSON, util.inspect (pino, console) and String() all show `[redacted]`. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

const path = z.string().min(1);

export const TemporalConnectionSchema = z
  .object({
    address: z
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[\w.-]+):\d{1,5}$/, 'TEMPORAL_ADDRESS is host:port, like 127.0.0.1:7233')
      .default('127.0.0.1:7233'),
    namespace: z.string().min(1).default('default'),
    taskQueue: z.string().min(1).default(DEFAULT_TASK_QUEUE),
    /** TLS without a client certificate (server-authenticated); implied by a certificate, a CA or an API key. */
    tls: z.boolean().optional(),
    clientCertPath: path.optional(),
    clientKeyPath: path.optional(),
    serverCaPath: path.optional(),
    serverName: z.string().min(1).optional(),
    apiKey: z
      .union([z.instanceof(Secret), z.string().min(1, 'TEMPORAL_API_KEY is empty')])
      .transform((key) => (key instanceof Secret ? key : new Secret(key)))
      .optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (c.clientCertPath && !c.clientKeyPath) {
      issue('clientKeyPath', 'TEMPORAL_TLS_CERT is set without TEMPORAL_TLS_KEY: mTLS needs the client certificate and its key');
    }
    if (c.clientKeyPath && !c.clientCertPath) {
      issue('clientCertPath', 'TEMPORAL_TLS_KEY is set without TEMPORAL_TLS_CERT: mTLS needs the client certificate and its key');
    }
    if (c.apiKey && (c.clientCertPath || c.clientKeyPath)) {
      issue('apiKey', 'TEMPORAL_API_KEY and a client certificate (TEMPORAL_TLS_CERT/KEY) are both set: use one (API key for Temporal Cloud, mTLS for a self-hosted cluster)');
    }
    if (c.tls === false && (c.apiKey || c.clientCertPath || c.serverCaPath || c.serverName)) {
      issue('tls', 'TEMPORAL_TLS=false contradicts TEMPORAL_API_KEY / TEMPORAL_TLS_CERT / TEMPORAL_TLS_CA / TEMPORAL_TLS_SERVER_NAME, which need TLS');
    }
  });
export type TemporalConnection = z.output<typeof TemporalConnectionSchema>;
export type TemporalConnectionInput = z.input<typeof TemporalConnectionSchema>;

/** The raw Temporal settings from the environment, for a config schema to validate. */
export function temporalConnectionInputFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const tls = env.TEMPORAL_TLS;
  return {
    address: env.TEMPORAL_ADDRESS || undefined,
    namespace: env.TEMPORAL_NAMESPACE || undefined,
    taskQueue: env.VEND_TASK_QUEUE || undefined,
    tls: tls === undefined || tls === '' ? undefined : /^(1|true|yes|on)$/i.test(tls) ? true : /^(0|false|no|off)$/i.test(tls) ? false : tls,
    clientCertPath: env.TEMPORAL_TLS_CERT || undefined,
    clientKeyPath: env.TEMPORAL_TLS_KEY || undefined,
    serverCaPath: env.TEMPORAL_TLS_CA || undefined,
    serverName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
    apiKey: env.TEMPORAL_API_KEY || undefined,
  };
}

export type TemporalSecurity = 'plain' | 'tls' | 'mtls' | 'api-key';

export function temporalSecurity(c: TemporalConnection): TemporalSecurity {
  if (c.apiKey) return 'api-key';
  if (c.clientCertPath) return 'mtls';
  if (c.tls || c.serverCaPath || c.serverName) return 'tls';
  return 'plain';
}

/** What may be logged about the connection: no key, no file contents. */
export function describeTemporalConnection(c: TemporalConnection): { address: string; namespace: string; taskQueue: string; security: TemporalSecurity } {
  return { address: c.address, namespace: c.namespace, taskQueue: c.taskQueue, security: temporalSecurity(c) };
}

type TlsOption = NonNullable<ConnectionOptions['tls']>;

function readPem(file: string, setting: string, read: (file: string) => Buffer): Buffer {
  try {
    return read(file);
  } catch (err) {
    // The path is configuration, not a secret; the contents are never read into a message.
    throw new Error(`cannot read ${setting} (${file}): ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: err });
  }
}

/** The TLS option both SDK connections take, or undefined for a plain connection. Reads the PEM files. */
export function temporalTlsOption(c: TemporalConnection, read: (file: string) => Buffer = readFileSync): TlsOption | undefined {
  const security = temporalSecurity(c);
  if (security === 'plain') return undefined;
  const tls: Exclude<TlsOption, boolean> = {};
  if (c.serverName) tls.serverNameOverride = c.serverName;
  if (c.serverCaPath) tls.serverRootCACertificate = readPem(c.serverCaPath, 'TEMPORAL_TLS_CA', read);
  if (c.clientCertPath && c.clientKeyPath) {
    tls.clientCertPair = { crt: readPem(c.clientCertPath, 'TEMPORAL_TLS_CERT', read), key: readPem(c.clientKeyPath, 'TEMPORAL_TLS_KEY', read) };
  }
  return Object.keys(tls).length ? tls : true;
}

/** Temporal Cloud routes an API-key call by its namespace header. */
function apiKeyOptions(c: TemporalConnection): { apiKey: string; metadata: Record<string, string> } | Record<string, never> {
  return c.apiKey ? { apiKey: c.apiKey.reveal(), metadata: { 'temporal-namespace': c.namespace } } : {};
}

/** Options for the worker's `NativeConnection.connect`. */
export function nativeConnectionOptions(c: TemporalConnection, read?: (file: string) => Buffer): NativeConnectionOptions {
  const tls = temporalTlsOption(c, read);
  return { address: c.address, ...(tls ? { tls } : {}), ...apiKeyOptions(c) };
}

/** Options for a client's `Connection.connect` / `Connection.lazy`. */
export function clientConnectionOptions(c: TemporalConnection, read?: (file: string) => Buffer): ConnectionOptions {
  const tls = temporalTlsOption(c, read);
  return { address: c.address, ...(tls ? { tls } : {}), ...apiKeyOptions(c) };
}
