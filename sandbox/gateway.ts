/**
 * The HTTP front door. Every AWS SDK client of the sandbox points here: the gateway decodes which service and
 * operation a call is, counts it, applies injected faults and AWS's throttling, then answers itself or hands the call
 * to moto unchanged. Paths under `/sandbox/` are the control API instead.
 */
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { handleAccount } from './account';
import { handleCloudTrail } from './cloudtrail';
import { type SandboxContext } from './context';
import { handleCostExplorer } from './cost-explorer';
import { resolvePrincipal } from './identity';
import { handleIdentityCenter } from './identity-center';
import { handleOrganizations } from './organizations';
import { handleIam } from './root-access';
import { type Principal } from './state';
import { handleSts } from './sts';
import { decodeRequest, serverErrorReply, throttleReply, type AwsRequest, type Reply } from './wire';

export type ControlHandler = (method: string, path: string, body: Buffer) => Promise<Reply>;

export interface Gateway {
  port: number;
  close(): Promise<void>;
}

function faultsApply(ctx: SandboxContext, req: AwsRequest): boolean {
  const ops = ctx.settings().faults.operations;
  return !ops || ops.includes(req.operation) || ops.includes(`${req.service}:${req.operation}`);
}

export async function handleAwsCall(ctx: SandboxContext, req: AwsRequest): Promise<Reply> {
  // Decided when the call arrives: a fault switched off meanwhile does not release an answer already held back.
  const { responseDelayMs } = ctx.settings().faults;
  const holdBackMs = responseDelayMs > 0 && faultsApply(ctx, req) ? responseDelayMs / ctx.settings().timeScale : 0;
  const reply = await answerAwsCall(ctx, req);
  if (holdBackMs > 0) await new Promise((r) => setTimeout(r, holdBackMs));
  return reply;
}

async function answerAwsCall(ctx: SandboxContext, req: AwsRequest): Promise<Reply> {
  const counter = ctx.state.counter(req.service, req.operation);
  counter.calls++;
  const settings = ctx.settings();
  const principal = resolvePrincipal(ctx, req);

  if (faultsApply(ctx, req)) {
    const { latencyMs, throttleRate, errorRate } = settings.faults;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs / settings.timeScale));
    if (throttleRate > 0 && Math.random() < throttleRate) {
      counter.throttled++;
      return throttleReply(req);
    }
    if (errorRate > 0 && Math.random() < errorRate) {
      counter.faults++;
      return serverErrorReply(req, Math.random() < 0.5);
    }
  }
  if (settings.throttling && !ctx.throttler.tryAcquire(req.service, req.operation, principal.accountId, settings.timeScale)) {
    counter.throttled++;
    return throttleReply(req);
  }

  const reply = await ctx.activity.run(() => dispatch(ctx, req, principal), !isReadOnly(req.operation));
  if (reply.status < 300) counter.succeeded = (counter.succeeded ?? 0) + 1;
  return reply;
}

/** AWS's naming: these operations only read (what they change, call counters, is saved with the next change). */
export function isReadOnly(operation: string): boolean {
  return /^(Get|List|Describe|Lookup)[A-Z]/.test(operation);
}

function dispatch(ctx: SandboxContext, req: AwsRequest, principal: Principal): Promise<Reply> | Reply {
  switch (req.service) {
    case 'organizations':
      return handleOrganizations(ctx, req, principal);
    case 'sts':
      return handleSts(ctx, req, principal);
    case 'iam':
      return handleIam(ctx, req, principal);
    case 'ce':
      return handleCostExplorer(ctx, req, principal);
    case 'cloudtrail':
      return handleCloudTrail(ctx, req, principal);
    case 'account':
      return handleAccount(ctx, req, principal);
    case 'sso':
      return handleIdentityCenter(ctx, req, principal);
    default:
      // Account Management (alternate contacts) and anything else moto knows.
      return ctx.moto.forward(req.method, req.path, req.headers, req.body);
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, reply: Reply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': body.length });
  res.end(body);
}

export async function startGateway(
  ctx: SandboxContext,
  control: ControlHandler,
  host: string,
  port: number,
): Promise<Gateway> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      if (url === '/sandbox' || url.startsWith('/sandbox/')) return send(res, await control(method, url, body));
      const awsReq = decodeRequest(method, url, req.headers, body);
      try {
        send(res, await handleAwsCall(ctx, awsReq));
      } catch (err) {
        ctx.log(`[sandbox] ${awsReq.service}:${awsReq.operation} failed inside the gateway: ${(err as Error).stack ?? err}`);
        send(res, serverErrorReply(awsReq, false));
      }
    })().catch((err: unknown) => {
      ctx.log(`[sandbox] request failed: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // SDK clients keep connections alive; let them, but do not hold the process open on close.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
