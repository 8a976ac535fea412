/**
 * moto in server mode: the emulator behind the gateway for everything it does well (Organizations accounts/OUs/tags,
 * STS AssumeRole, IAM, Account alternate contacts). Runs as a managed child process in its own process group, so
 * stopping the sandbox leaves no moto behind. It runs moto's own server application through sandbox/moto_server.py,
 * which adds a snapshot and restore of moto's state (with the Python of moto's virtual environment).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, spawnManaged, waitForPort, type ManagedProcess } from '../tooling/processes';
import { MotoVersionsSchema, type MotoVersions } from './state-file';
import { type Reply } from './wire';

/** The access key moto maps to its default account (123456789012): the management account's static creds. */
export const MOTO_DEFAULT_ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';

export class MotoError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly body: string,
  ) {
    super(`moto answered ${status} ${type}: ${body.slice(0, 300)}`);
  }
}

export interface Moto {
  readonly url: string;
  readonly port: number;
  /** Sends a request to moto unchanged (headers, body) and returns its complete answer. */
  forward(method: string, path: string, headers: http.IncomingHttpHeaders, body: Buffer): Promise<Reply>;
  /** An awsJson1_1 call made by the sandbox itself, as the management account. */
  json<T = Record<string, unknown>>(service: string, target: string, body: unknown): Promise<T>;
  /** `POST /moto-api/reset`: forget every resource in every account. */
  reset(): Promise<void>;
  /** moto's and Python's versions, which a snapshot must match to be restored. */
  versions(): Promise<MotoVersions>;
  /** moto's whole state (every service in use), as sandbox/moto_server.py pickles it. */
  snapshot(): Promise<Buffer>;
  /** Replaces moto's whole state with a snapshot; throws MotoError 409 when the snapshot is from another moto. */
  restore(snapshot: Buffer): Promise<void>;
  stop(): Promise<void>;
}

const MOTO_WITH_STATE = path.join(__dirname, 'moto_server.py');

/** The Python that runs `moto_server` (its script's #! line): moto's own virtual environment. */
export function motoPython(motoServerBin: string): string {
  const first = readFileSync(motoServerBin, 'utf8').split('\n', 1)[0];
  const interpreter = /^#!\s*(\S+)$/.exec(first)?.[1];
  if (!interpreter || !/python[\d.]*$/.test(interpreter)) {
    throw new Error(`${motoServerBin} does not start with a #! line naming its Python; cannot run moto with state`);
  }
  return interpreter;
}

export interface StartMotoOptions {
  bin: string;
  host?: string;
  log?: (line: string) => void;
}

export async function startMoto(opts: StartMotoOptions): Promise<Moto> {
  const host = opts.host ?? '127.0.0.1';
  const port = await freePort();
  const proc: ManagedProcess = spawnManaged('moto', motoPython(opts.bin), [MOTO_WITH_STATE, '-H', host, '-p', String(port)], {
    // moto logs every request line; only forward problems to keep the sandbox log readable.
    onLine: (line) => {
      if (/error|traceback|exception/i.test(line) && !/" [1-4]\d\d /.test(line)) opts.log?.(`[moto] ${line}`);
    },
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  try {
    await waitForPort(port, host, 30_000, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  // Keep-alive: the gateway forwards many small calls; new TCP connections per call would dominate latency.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

  function forward(method: string, path: string, headers: http.IncomingHttpHeaders, body: Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const outHeaders: http.OutgoingHttpHeaders = { ...headers, host: `${host}:${port}`, 'content-length': body.length };
      delete outHeaders.connection;
      delete outHeaders['transfer-encoding'];
      delete outHeaders.expect;
      const request = http.request({ host, port, method, path, headers: outHeaders, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const replyHeaders: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined || ['connection', 'transfer-encoding', 'content-length', 'keep-alive', 'server', 'date'].includes(k))
              continue;
            replyHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({ status: res.statusCode ?? 500, headers: replyHeaders, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  async function json<T>(service: string, target: string, body: unknown): Promise<T> {
    const payload = Buffer.from(JSON.stringify(body ?? {}));
    const reply = await forward(
      'POST',
      '/',
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        // moto routes on the credential scope's service and maps the key to its default account.
        authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_DEFAULT_ACCESS_KEY}/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      },
      payload,
    );
    const text = reply.body.toString();
    if (reply.status >= 300) {
      let type = 'Unknown';
      try {
        type = String((JSON.parse(text) as { __type?: string }).__type ?? type);
      } catch {
        // not JSON
      }
      throw new MotoError(reply.status, type, text);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  async function reset(): Promise<void> {
    const reply = await forward('POST', '/moto-api/reset', {}, Buffer.alloc(0));
    if (reply.status >= 300) throw new MotoError(reply.status, 'Reset', reply.body.toString());
  }

  async function motoState(method: 'GET' | 'PUT', statePath: string, body: Buffer = Buffer.alloc(0)): Promise<Buffer> {
    const reply = await forward(method, statePath, { 'content-type': 'application/octet-stream' }, body);
    const answer = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    if (reply.status >= 300) throw new MotoError(reply.status, 'MotoState', answer.toString());
    return answer;
  }

  return {
    url: `http://${host}:${port}`,
    port,
    forward,
    json,
    reset,
    async versions() {
      return MotoVersionsSchema.parse(JSON.parse((await motoState('GET', '/_sandbox/moto-version')).toString()));
    },
    snapshot: () => motoState('GET', '/_sandbox/moto-state'),
    async restore(snapshot) {
      await motoState('PUT', '/_sandbox/moto-state', snapshot);
    },
    async stop() {
      agent.destroy();
      await proc.stop();
    },
  };
}
