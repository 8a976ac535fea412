/** Every error the API answers has one shape: {"error": {"code", "message", "details?"}}. */
import { type FastifyError, type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';

export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const fields = err.validation.map((v) => ({
        field: `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`,
        message: v.message,
      }));
      return reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message: 'the request is invalid', details: fields } });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own refusals: malformed JSON, wrong content type, body too large.
      return reply.status(err.statusCode).send({ error: { code: err.code ?? 'BAD_REQUEST', message: err.message } });
    }
    const temporal = classifyTemporalError(err);
    if (temporal) return reply.status(temporal.status).send({ error: { code: temporal.code, message: temporal.message } });
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error; see the server log with this request id' } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );
}

/** gRPC status codes from the Temporal client: UNAVAILABLE -> 503, RESOURCE_EXHAUSTED -> 429. */
function classifyTemporalError(err: unknown): { status: number; code: string; message: string } | undefined {
  const code = (err as { code?: unknown }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
  if (code === 14) return { status: 503, code: 'TEMPORAL_UNAVAILABLE', message: 'Temporal is unreachable; try again shortly' };
  if (code === 8) return { status: 429, code: 'RATE_LIMITED', message: 'Temporal is pushing back; retry later' };
  return undefined;
}
