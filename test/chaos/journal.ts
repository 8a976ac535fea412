/**
 * Everything a program did and was answered, in order: each HTTP exchange with the API (who, what, status, body,
 * when) and each operator or fault step. The invariants read the answers from here, never from the model's guesses.
 */
import { TOKENS, type User } from './principals';

export interface Exchange {
  seq: number;
  /** The action (or harness phase: observe, settle) that sent it. */
  by: string;
  method: string;
  path: string;
  /** undefined: no Authorization header; 'forged': a token nobody issued. */
  user?: User | 'forged';
  requestBody?: unknown;
  idempotencyKey?: string;
  /** 0 when no answer came (timeout, connection refused). */
  status: number;
  body: unknown;
  retryAfter?: string;
  sentAt: number;
  answeredAt: number;
  error?: string;
}

export interface Event {
  seq: number;
  at: number;
  by: string;
  what: string;
}

const API_CALL_TIMEOUT_MS = 45_000;

export class Journal {
  readonly exchanges: Exchange[] = [];
  readonly events: Event[] = [];
  private seq = 0;

  constructor(private readonly apiUrl: string) {}

  note(by: string, what: string): void {
    this.events.push({ seq: ++this.seq, at: Date.now(), by, what });
  }

  /**
   * One call to the API, recorded whatever happens. `body` is sent as JSON unless it is a string (sent raw, for
   * hostile bodies); `contentType` overrides the header.
   */
  async call(
    by: string,
    method: string,
    path: string,
    opts: { user?: User | 'forged'; body?: unknown; contentType?: string; idempotencyKey?: string } = {},
  ): Promise<Exchange> {
    const headers: Record<string, string> = {};
    if (opts.user) headers.authorization = `Bearer ${opts.user === 'forged' ? 'chaos-forged-token' : TOKENS[opts.user]}`;
    if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    if (opts.idempotencyKey !== undefined) headers['idempotency-key'] = opts.idempotencyKey;
    const exchange: Exchange = {
      seq: ++this.seq,
      by,
      method,
      path,
      user: opts.user,
      requestBody: opts.body,
      idempotencyKey: opts.idempotencyKey,
      status: 0,
      body: undefined,
      sentAt: Date.now(),
      answeredAt: 0,
    };
    try {
      const response = await fetch(`${this.apiUrl}${path}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(API_CALL_TIMEOUT_MS),
      });
      const text = await response.text();
      exchange.status = response.status;
      exchange.retryAfter = response.headers.get('retry-after') ?? undefined;
      try {
        exchange.body = JSON.parse(text);
      } catch {
        exchange.body = text;
      }
    } catch (err) {
      exchange.error = (err as Error).name === 'TimeoutError' ? `no answer within ${API_CALL_TIMEOUT_MS} ms` : (err as Error).message;
    }
    exchange.answeredAt = Date.now();
    this.exchanges.push(exchange);
    return exchange;
  }
}
