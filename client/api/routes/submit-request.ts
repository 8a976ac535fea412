/**
 * POST /v1/account-requests: ask for an account. Everything that can refuse the request is checked before anything
 * starts: the body (400), the role (403), the OU against the organization directory (422, or 503 while there is no
 * directory yet), the Idempotency-Key (409); only then is the vending workflow started.
 */
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestIdForEmail } from '../../../contract/request-id';
import { NewAccountRequestSchema } from '../../../contract/request';
import { matchOrganizationalUnit, type OrganizationDirectoryReader } from '../../organization-directory';
import { findRequest, reserveIdempotencyKey, startVending } from '../../temporal';
import { requireRole } from '../auth';
import { ApiError, errorResponses } from '../errors';
import { compareFingerprints, fingerprintOf, IdempotencyKeySchema, type IdempotencyVerdict } from '../idempotency';
import { baselineForRequest } from './blueprint-resolution';
import { principalOf, type RouteContext } from './context';
import { links, RequestRefSchema } from './schemas';

type Stage = z.infer<typeof RequestRefSchema>['stage'];

export const submitRequestRoute: FastifyPluginAsyncZod<RouteContext> = async (app, ctx) => {
  app.post(
    '/v1/account-requests',
    {
      schema: {
        summary: 'Request a new AWS member account',
        description:
          'Starts one vending workflow. The email decides the request id, so an email with a live or completed request ' +
          'is refused (409 EMAIL_ALREADY_REQUESTED). The OU (name or id) must exist in the organization as the worker ' +
          'last listed it (422 UNKNOWN_ORGANIZATIONAL_UNIT; 503 ORGANIZATION_DIRECTORY_UNAVAILABLE with Retry-After ' +
          'while no worker has listed the OUs yet). With an Idempotency-Key, the same key and body again answer 200 ' +
          'with the same id, also when sent concurrently; the same key with another body answers 409 ' +
          'IDEMPOTENCY_KEY_REUSED. A key is bound to its first body for 24 hours, whatever that POST was answered.',
        tags: ['account requests'],
        body: NewAccountRequestSchema,
        headers: z.object({ 'idempotency-key': IdempotencyKeySchema.optional() }),
        response: {
          200: RequestRefSchema.describe('an idempotent repeat: the request this key and body started'),
          202: RequestRefSchema.describe('the request was accepted and its workflow started'),
          ...errorResponses(400, 401, 403, 409, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRole(principal, 'requester', 'request an account');
      await checkOrganizationalUnit(ctx.organizationDirectory, request.body.organizationalUnit);
      const baseline = await baselineForRequest(ctx, request.body);

      const requestId = requestIdForEmail(request.body.email);
      const key = request.headers['idempotency-key'];
      const fingerprint = key === undefined ? undefined : fingerprintOf(principal.user, key, request.body);
      if (fingerprint) {
        const reservation = await reserveIdempotencyKey(ctx.temporal, {
          taskQueue: ctx.taskQueue,
          fingerprint,
          requestId,
          windowMs: ctx.idempotencyWindowMs,
        });
        if (!reservation.reserved) {
          if (reservation.reservation.body !== fingerprint.body) return answer('key-reused', reservation.reservation.requestId);
          // The same key and body again. Its request may exist (answer it), or the first POST may have failed before
          // starting it, or may still be starting it: then this POST starts it, or meets the one that did.
          const existing = await findRequest(ctx.temporal, requestId);
          if (existing && compareFingerprints(fingerprint, existing.fingerprint) === 'repeat') return answer('repeat', requestId, existing.stage);
        }
      }

      const outcome = await startVending(ctx.temporal, {
        request: request.body,
        requester: principal.user,
        requesterRoles: principal.roles,
        policy: ctx.policy,
        decisionKeys: ctx.signer.publicKeys(),
        taskQueue: ctx.taskQueue,
        fingerprint,
        baseline,
      });
      if (!outcome.started) return answer(compareFingerprints(fingerprint, outcome.fingerprint), outcome.id, outcome.stage);
      request.log.info({ workflowId: outcome.id, requester: principal.user }, 'vending request started');
      return reply.status(202).send({ id: outcome.id, stage: 'preflight', links: links(outcome.id) });

      function answer(verdict: IdempotencyVerdict, id: string, stage?: Stage) {
        if (verdict === 'repeat') return reply.status(200).send({ id, stage: stage ?? 'preflight', links: links(id) });
        if (verdict === 'key-reused') {
          throw new ApiError(
            409,
            'IDEMPOTENCY_KEY_REUSED',
            `this Idempotency-Key was first used with another body (for request ${id}); send a new key for a new request`,
            { requestId: id, links: links(id) },
          );
        }
        throw new ApiError(409, 'EMAIL_ALREADY_REQUESTED', `this email already has a live or completed request: ${id}`, {
          requestId: id,
          links: links(id),
        });
      }
    },
  );
};

/** The OU must be one the worker last saw in the organization: by id, or by a name only one OU has. */
async function checkOrganizationalUnit(directory: OrganizationDirectoryReader, organizationalUnit: string): Promise<void> {
  const listed = await directory.read();
  if (!listed) {
    throw new ApiError(
      503,
      'ORGANIZATION_DIRECTORY_UNAVAILABLE',
      "no worker has listed the organization's OUs yet, so the OU cannot be checked; a worker lists them when it starts: retry shortly",
      undefined,
      { 'retry-after': '30' },
    );
  }
  const match = matchOrganizationalUnit(listed, organizationalUnit);
  if (match.kind === 'unknown') {
    throw new ApiError(
      422,
      'UNKNOWN_ORGANIZATIONAL_UNIT',
      `organizational unit "${organizationalUnit}" does not exist in the organization (OUs as listed at ${listed.listedAt}); ` +
        'name an existing OU by its name or id',
      { field: 'body.organizationalUnit', organizationalUnit, listedAt: listed.listedAt },
    );
  }
  if (match.kind === 'ambiguous') {
    throw new ApiError(
      422,
      'AMBIGUOUS_ORGANIZATIONAL_UNIT',
      `${match.units.length} OUs are named "${organizationalUnit}"; name the one you mean by its id`,
      { field: 'body.organizationalUnit', candidates: match.units.map(({ id, path }) => ({ id, path })) },
    );
  }
}
