/** The CLI's HTTP client for the request API: JSON in and out, the API's error shape turned into ApiCallError. */
import { ApiCallError, CliError, EXIT } from './errors';

export class VendApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async call<T = unknown>(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          accept: 'application/json',
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
      const reason = cause?.code ?? cause?.errors?.[0]?.code ?? (err as Error).message;
      throw new CliError(`cannot reach the vending API at ${this.baseUrl} (${reason}); set --api or VEND_API_URL`, EXIT.unreachable);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (response.status >= 400) {
      const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      const hint = response.status === 401 ? ' (set VEND_TOKEN or --token)' : '';
      throw new ApiCallError(response.status, error?.code ?? 'HTTP_ERROR', `${error?.message ?? (text.slice(0, 200) || response.statusText)}${hint}`, error?.details);
    }
    return { status: response.status, body: body as T };
  }
}
