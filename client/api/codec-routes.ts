/**
 * The codec endpoint for the Temporal Web UI and CLI (Temporal's "remote codec" protocol): `POST /codec/encode` and
 * `POST /codec/decode`, body and answer `{"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]}`.
 * A Fastify plugin for the request API: it reuses the API's authenticator. Decoding shows request data in clear, so
 * only the operator role may decode; any authenticated caller may encode (that only produces ciphertext).
 *
 * CORS: the Web UI calls from the browser, from its own origin; those origins are listed (`corsOrigins`), and the
 * answer (errors included) carries the CORS headers for them only. The Web UI sends `X-Namespace`, and its
 * `Authorization` when configured to pass its access token.
 */
import { type Payload, type PayloadCodec } from '@temporalio/common';
import { type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authenticateHeader, type Authenticator } from './auth';
import { ApiError, errorResponses } from './errors';

export interface CodecServerOptions {
  codec: PayloadCodec;
  authenticator: Authenticator;
  /** Browser origins allowed to call (the Web UI's), e.g. http://127.0.0.1:8233. */
  corsOrigins: string[];
  /** Body limit for a batch of payloads (bytes); the API's default limit is for small JSON bodies. */
  bodyLimit?: number;
}

const Base64 = z.string().max(8 * 1024 * 1024).regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64');
const PayloadJsonSchema = z.object({ metadata: z.record(z.string().max(256), Base64).optional(), data: Base64.optional() });
const PayloadsSchema = z.object({ payloads: z.array(PayloadJsonSchema).max(10_000) });
type PayloadJson = z.infer<typeof PayloadJsonSchema>;

const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload): PayloadJson => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).flatMap(([k, v]) => (v ? [[k, Buffer.from(v).toString('base64')]] : []))),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export const codecServer: FastifyPluginAsyncZod<CodecServerOptions> = async (app, opts) => {
  const origins = new Set(opts.corsOrigins.map((o) => o.replace(/\/+$/, '')));

  app.addHook('onSend', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin && origins.has(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
    }
    reply.header('vary', 'Origin');
  });
  app.addHook('onRequest', async (request) => {
    if (request.method === 'OPTIONS') return;
    request.principal = await authenticateHeader(opts.authenticator, request.headers.authorization);
  });

  for (const op of ['encode', 'decode'] as const) {
    app.options(`/codec/${op}`, { schema: { hide: true } }, async (_request, reply) => {
      reply.header('access-control-allow-methods', 'POST, OPTIONS');
      reply.header('access-control-allow-headers', 'content-type, x-namespace, authorization');
      reply.header('access-control-max-age', '600');
      return reply.status(204).send();
    });
    app.post(
      `/codec/${op}`,
      {
        bodyLimit: opts.bodyLimit ?? 4 * 1024 * 1024,
        schema: {
          summary:
            op === 'decode'
              ? 'Temporal codec server: decrypt payloads for the Web UI / CLI (operator role only)'
              : 'Temporal codec server: encrypt payloads (any authenticated caller)',
          tags: ['codec'],
          body: PayloadsSchema,
          response: { 200: PayloadsSchema, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const principal = request.principal!;
        if (op === 'decode' && !principal.roles.includes('operator')) {
          throw new ApiError(403, 'FORBIDDEN', `${principal.user} does not hold the operator role needed to decode payloads`);
        }
        const payloads = request.body.payloads.map(fromJson);
        let result: Payload[];
        try {
          result = op === 'decode' ? await opts.codec.decode(payloads) : await opts.codec.encode(payloads);
        } catch (err) {
          // The codec's messages name key ids at most, never data.
          throw new ApiError(400, 'CODEC_FAILED', `cannot ${op} the payloads: ${(err as Error).message}`);
        }
        request.log.info({ user: principal.user, op, payloads: payloads.length, namespace: request.headers['x-namespace'] }, 'codec request');
        return { payloads: result.map(toJson) };
      },
    );
  }
};
