import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  type FieldProblem,
  HeraldError,
  RateLimitedError,
  UnavailableError,
  ValidationError,
} from '../errors.js';

const FASTIFY_ERRORS: Readonly<Record<string, () => HeraldError>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () =>
    new HeraldError('payload_too_large', 413, 'The request body is too large'),
  FST_ERR_CTP_INVALID_JSON_BODY: () =>
    new HeraldError('malformed_json', 400, 'The request body is not valid JSON', {
      details: [{ path: '', message: 'is not valid JSON' }],
    }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    new HeraldError('malformed_json', 400, 'The request body is empty', {
      details: [{ path: '', message: 'must be a JSON document' }],
    }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new HeraldError('unsupported_media_type', 415, 'Send JSON with Content-Type: application/json'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new HeraldError('invalid_input', 400, 'Content-Length does not match the body'),
  // Met by the router before any route is chosen (see `frameworkErrors` in server.ts).
  FST_ERR_BAD_URL: () =>
    new ValidationError(
      [{ path: 'params', message: 'is not valid percent-encoding' }],
      'The URL is not valid: a path segment is not properly percent-encoded',
    ),
  FST_ERR_MAX_PARAM_LENGTH: () =>
    new ValidationError([{ path: 'params', message: 'is too long' }], 'A path parameter is too long'),
};

/** Maps any error to Herald's error body; the one place errors become HTTP. */
export function toHeraldError(error: unknown): HeraldError {
  if (error instanceof HeraldError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as FastifyError).validationContext;
    const details: FieldProblem[] = error.validation.map((v) => {
      const field = v.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
      const path =
        context === 'body' || !context ? field : [contextName(context), field].filter(Boolean).join('.');
      return { path, message: v.message ?? 'is invalid' };
    });
    return new ValidationError(details);
  }
  const fastifyError = error as Partial<FastifyError>;
  const mapped = fastifyError.code ? FASTIFY_ERRORS[fastifyError.code] : undefined;
  if (mapped) return mapped();
  if (error instanceof SyntaxError && fastifyError.statusCode === 400)
    return FASTIFY_ERRORS.FST_ERR_CTP_INVALID_JSON_BODY!();
  if (fastifyError.statusCode === 413) return FASTIFY_ERRORS.FST_ERR_CTP_BODY_TOO_LARGE!();
  return new HeraldError('internal', 500, 'Internal error', { cause: error });
}

function contextName(context: string): string {
  return context === 'querystring' ? 'query' : context;
}

/** Fastify error handler: logs server errors, answers with the error body. */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const herald = toHeraldError(error);
  // An unavailable part is logged where it was met, without what a request failure line would carry.
  if (herald.status >= 500 && !(herald instanceof UnavailableError))
    request.log.error({ err: error }, 'request failed');
  if (herald instanceof RateLimitedError || herald instanceof UnavailableError)
    reply.header('retry-after', String(herald.retryAfterSeconds));
  return reply.code(herald.status).send(herald.toBody());
}
