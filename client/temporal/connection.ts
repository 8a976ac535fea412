/**
 * The clients' Temporal connection: lazy, with short gRPC retries, so the API starts and answers 503 while Temporal is
 * down; and whether Temporal answers at all (/readyz).
 */
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type Client } from '@temporalio/client';
import { clientConnectionOptions, type TemporalConnection } from '../../config/temporal-connection';

/**
 * A lazy connection with short gRPC retries: the API must start and stay up while Temporal is down (answering 503),
 * and a caller waiting on the API is better served by a quick 503/429 it can retry than by the SDK's default ~20 s of
 * internal retries. `target` is a validated connection config (plain, mTLS or API key; config/temporal-connection.ts)
 * or, for tests, a bare address.
 */
export function connectTemporalLazily(
  target: string | TemporalConnection,
  extraInterceptors: Parameters<typeof Connection.lazy>[0] = {},
): Connection {
  const options = typeof target === 'string' ? { address: target } : clientConnectionOptions(target);
  return Connection.lazy({
    ...options,
    connectTimeout: '3s',
    ...extraInterceptors,
    interceptors: [
      ...(extraInterceptors.interceptors ?? []),
      makeGrpcRetryInterceptor(
        defaultGrpcRetryOptions({ maxAttempts: 3, initialIntervalMs: () => 100, maxIntervalMs: () => 1_000 }),
      ),
    ],
  });
}

/** Is Temporal answering? For /readyz. */
export async function temporalReachable(client: Client, timeoutMs = 2_000): Promise<boolean> {
  try {
    await client.withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}
