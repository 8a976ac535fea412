/** POST /v1/account-requests: ask for an account; idempotent with an Idempotency-Key (see idempotency.ts). */
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountRequestSchema } from '../../../contract/request';
import { findByIdempotencyKey, startVending } from '../../temporal';
import { requireRole } from '../auth';
import { ApiError, errorResponses } from '../errors';
import { compareFingerprints, fingerprintOf, IdempotencyKeySchema } from '../idempotency';
import { principalOf, type RouteContext } from './context';
import { links, RequestRefSchema } from './schemas';

export const submitRequestRoute: FastifyPluginAsyncZod<RouteContext> = async (app, ctx) => {
  app.post(
    '/v1/account-requests',
    {
      schema: {
        summary: 'Request a new AWS member account',
        description:
          'Starts one vending workflow. The email decides the request id, so an email with a live or completed request ' +
          'is refused (409 EMAIL_ALREADY_REQUESTED). With an Idempotency-Key, the same key and body again answer 200 ' +
          'with the same id; the same key with another body answers 409 IDEMPOTENCY_KEY_REUSED.',
        tags: ['account requests'],
        body: AccountRequestSchema,
        headers: z.object({ 'idempotency-key': IdempotencyKeySchema.optional() }),
        response: {
          200: RequestRefSchema.describe('an idempotent repeat: the request this key and body started'),
          202: RequestRefSchema.describe('the request was accepted and its workflow started'),
          ...errorResponses(400, 401, 403, 409, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRole(principal, 'requester', 'request an account');
      const key = request.headers['idempotency-key'];
      const fingerprint = key === undefined ? undefined : fingerprintOf(principal.user, key, request.body);

      if (fingerprint) {
        // The key may have been used with another email (another workflow id): visibility knows.
        const earlier = await findByIdempotencyKey(ctx.temporal, {
          taskQueue: ctx.taskQueue,
          requester: principal.user,
          keyHash: fingerprint.key,
          windowMs: ctx.idempotencyWindowMs,
        });
        if (earlier) return answerRepeat(compareFingerprints(fingerprint, earlier.fingerprint), earlier.id, earlier.stage);
      }

      const outcome = await startVending(ctx.temporal, {
        request: request.body,
        requester: principal.user,
        requesterRoles: principal.roles,
        policy: ctx.policy,
        decisionKeys: ctx.signer.publicKeys(),
        taskQueue: ctx.taskQueue,
        fingerprint,
      });
      if (!outcome.started) return answerRepeat(compareFingerprints(fingerprint, outcome.fingerprint), outcome.id, outcome.stage);
      request.log.info({ workflowId: outcome.id, requester: principal.user }, 'vending request started');
      return reply.status(202).send({ id: outcome.id, stage: 'preflight', links: links(outcome.id) });

      function answerRepeat(verdict: ReturnType<typeof compareFingerprints>, id: string, stage: z.infer<typeof RequestRefSchema>['stage']) {
        if (verdict === 'repeat') return reply.status(200).send({ id, stage, links: links(id) });
        if (verdict === 'key-reused') {
          throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', `this Idempotency-Key was already used with another body (request ${id})`, {
            requestId: id,
            links: links(id),
          });
        }
        throw new ApiError(409, 'EMAIL_ALREADY_REQUESTED', `this email already has a live or completed request: ${id}`, {
          requestId: id,
          links: links(id),
        });
      }
    },
  );
};
