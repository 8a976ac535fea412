/** Every error the API answers has one shape: {"error": {"code", "message", "details?"}}. */
import { WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type RouteTable } from './route-table';

export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The error responses a route documents; every route lists the ones it can answer. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ErrorBodySchema])) as Record<number, typeof ErrorBodySchema>;

export function installErrorHandling(app: FastifyInstance, routes: RouteTable): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    if (hasZodFastifySchemaValidationErrors(err)) {
      const fields = err.validation.map((v) => ({
        field: `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`,
        message: v.message,
      }));
      return sendError(reply, new ApiError(400, 'VALIDATION_FAILED', 'the request is invalid', fields));
    }
    if (err instanceof WorkflowNotFoundError) return sendError(reply, new ApiError(404, 'REQUEST_NOT_FOUND', 'no such request'));
    const temporal = classifyTemporalError(err);
    if (temporal) {
      request.log.warn({ err }, 'Temporal refused or did not answer');
      return sendError(reply, temporal);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own refusals: malformed JSON, wrong content type, body too large.
      return sendError(reply, new ApiError(err.statusCode, err.code ?? 'BAD_REQUEST', err.message));
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(reply, new ApiError(500, 'INTERNAL', 'internal error; see the server log with this request id'));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split(/[?#]/, 1)[0].slice(0, 200);
    // The path exists, with other methods: 405 and what is allowed (RFC 9110 15.5.6).
    const allowed = routes.methodsAt(request.url);
    if (allowed.length > 0) {
      return sendError(
        reply,
        new ApiError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not served at ${path}; allowed: ${allowed.join(', ')}`, undefined, {
          allow: allowed.join(', '),
        }),
      );
    }
    return sendError(reply, new ApiError(404, 'NOT_FOUND', `no route ${request.method} ${path}`));
  });
}

/**
 * Errors Fastify raises before routing (an undecodable URL, a path parameter too long), in the same shape; passed
 * to Fastify's constructor. No route means no onSend hook, so the request id header is set here.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 400;
  const message = err.code === 'FST_ERR_BAD_URL' ? 'the URL holds an invalid percent-encoding' : err.message;
  void sendError(reply, new ApiError(status, err.code === 'FST_ERR_BAD_URL' ? 'BAD_URL' : (err.code ?? 'BAD_REQUEST'), message));
}

function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
  return reply.status(err.status).send({ error: { code: err.code, message: err.message, details: err.details } });
}

/**
 * Temporal pushing back or away, from the gRPC status anywhere in the cause chain: UNAVAILABLE -> 503,
 * DEADLINE_EXCEEDED -> 503, RESOURCE_EXHAUSTED -> 429, FAILED_PRECONDITION (a workflow task in failed state) -> 503;
 * each with Retry-After, since a retry is the right answer.
 */
export function classifyTemporalError(err: unknown): ApiError | undefined {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ApiError(503, 'TEMPORAL_TIMEOUT', 'the request did not answer in time; try again shortly', undefined, { 'retry-after': '5' });
  }
  for (let current: unknown = err, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 14) return new ApiError(503, 'TEMPORAL_UNAVAILABLE', 'Temporal is unreachable; try again shortly', undefined, { 'retry-after': '5' });
    if (code === 4) return new ApiError(503, 'TEMPORAL_TIMEOUT', 'Temporal did not answer in time; try again shortly', undefined, { 'retry-after': '5' });
    if (code === 8) return new ApiError(429, 'RATE_LIMITED', 'Temporal is pushing back; retry later', undefined, { 'retry-after': '2' });
    // FAILED_PRECONDITION: the workflow cannot take an update or query now because its last workflow task failed
    // (a loaded worker's task can fail and is retried): transient, like the others.
    if (code === 9) {
      return new ApiError(503, 'WORKFLOW_BUSY', 'the request is retrying a failed workflow task and cannot take this now; try again shortly', undefined, { 'retry-after': '5' });
    }
  }
  return undefined;
}
