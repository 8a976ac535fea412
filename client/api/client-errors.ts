/**
 * Requests that never reach Fastify's routing because Node's HTTP parser refused them (not HTTP, headers too large,
 * a bad method or header, a request that did not arrive in time). Node hands over the raw socket (its 'clientError'
 * event; Fastify's clientErrorHandler), so the answer is written by hand: the same error shape and x-request-id as
 * every other answer, then the connection is closed.
 */
import { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { type Socket } from 'node:net';

interface Refusal {
  status: number;
  code: string;
  message: string;
}

const REFUSALS: Record<string, Refusal> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'REQUEST_TIMEOUT', message: 'the request did not arrive in time' },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'HEADERS_TOO_LARGE', message: 'the request headers are larger than this server accepts' },
};
const MALFORMED: Refusal = { status: 400, code: 'MALFORMED_REQUEST', message: 'the request is not valid HTTP/1.1' };

export function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const refusal = (err.code && REFUSALS[err.code]) || MALFORMED;
  const requestId = randomUUID();
  // The parser's code only: its message and raw packet hold what the caller sent (URLs, headers, tokens).
  this.log.info({ reqId: requestId, parserError: err.code, statusCode: refusal.status }, 'refused a request that is not valid HTTP');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
  socket.end(
    [
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      `x-request-id: ${requestId}`,
      'connection: close',
      '',
      body,
    ].join('\r\n'),
  );
  // The caller may keep sending (an oversized header); once the answer is out, give it a moment to read it.
  socket.setTimeout(2_000, () => socket.destroy());
}
