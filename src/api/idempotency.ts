import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { ConflictError, HeraldError, ValidationError } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import { sha256Hex } from '../security/sha256.js';
import type { Database } from '../store/schema.js';
import { isUniqueViolation } from '../store/store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request carries an Idempotency-Key whose answer must be remembered. */
    idempotency?: { scope: string; key: string };
  }
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * `Idempotency-Key` for writes: the first request with a key runs and its answer is kept; a replay with
 * the same body gets that answer again, a different body gets 422, a replay while the first still runs 409.
 * Answers are kept sealed with the installation's secret key: some carry what is shown only once (a new
 * API key or personal token), which must not lie in the database readable.
 */
export function idempotency(db: Kysely<Database>, clock: Clock, secrets: SecretBox) {
  return {
    async preHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
      const header = request.headers['idempotency-key'];
      if (header === undefined || !WRITE_METHODS.has(request.method)) return undefined;
      const key = Array.isArray(header) ? header[0] : header;
      if (!key || key.length > 255)
        throw ValidationError.field('Idempotency-Key', 'must be 1 to 255 characters');
      const principal = request.principal;
      const who = !principal
        ? 'anonymous'
        : principal.kind === 'admin'
          ? 'admin'
          : principal.kind === 'user'
            ? `user:${principal.tokenId}`
            : `key:${principal.keyId}`;
      const scope = `${who} ${request.method} ${request.url.split('?')[0]}`;
      const requestHash = sha256Hex(JSON.stringify(request.body ?? null));
      try {
        await db
          .insertInto('idempotency_keys')
          .values({
            scope,
            key,
            request_hash: requestHash,
            status_code: 0,
            response: null,
            created_at: clock.now(),
          })
          .execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const first = await db
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('scope', '=', scope)
          .where('key', '=', key)
          .executeTakeFirstOrThrow();
        if (first.request_hash !== requestHash) {
          throw new HeraldError(
            'idempotency_mismatch',
            422,
            'This Idempotency-Key was used with a different request body',
          );
        }
        if (first.status_code === 0)
          throw new ConflictError('A request with this Idempotency-Key is still in progress');
        return reply
          .code(first.status_code)
          .header('idempotent-replayed', 'true')
          .type('application/json; charset=utf-8')
          .send(keptAnswer(first.response, secrets));
      }
      request.idempotency = { scope, key };
      return undefined;
    },

    async onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
      const slot = request.idempotency;
      if (!slot) return payload;
      request.idempotency = undefined;
      const where = db
        .deleteFrom('idempotency_keys')
        .where('scope', '=', slot.scope)
        .where('key', '=', slot.key);
      // A server error is not an answer: forget the key so the client can retry.
      if (reply.statusCode >= 500) await where.execute();
      else {
        await db
          .updateTable('idempotency_keys')
          .set({
            status_code: reply.statusCode,
            response: typeof payload === 'string' ? secrets.seal(payload) : null,
          })
          .where('scope', '=', slot.scope)
          .where('key', '=', slot.key)
          .execute();
      }
      return payload;
    },
  };
}

/** A kept answer as it was sent; one kept before answers were sealed (a JSON text) is as it was stored. */
function keptAnswer(response: string | null, secrets: SecretBox): string {
  if (response === null) return '';
  return response.startsWith('v1.') ? secrets.open(response) : response;
}
