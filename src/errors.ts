/** Error codes Herald answers with; the closed set of the API's `error.code`. */
export const ERROR_CODES = [
  'invalid_input',
  'malformed_json',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'idempotency_mismatch',
  'rate_limited',
  'unsupported_media_type',
  'unavailable',
  'internal',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one field of the input: `path` is dotted (`conditions.0.interval`). */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** Base of every error Herald raises on purpose; carries its API code and HTTP status. */
export class HeraldError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: readonly FieldProblem[];

  constructor(
    code: ErrorCode,
    status: number,
    message: string,
    options: { details?: readonly FieldProblem[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = options.details ?? [];
  }

  /** The JSON body of the API's error shape. */
  toBody(): { error: { code: ErrorCode; message: string; details: readonly FieldProblem[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** 400: the input is invalid; `details` names every bad field. */
export class ValidationError extends HeraldError {
  constructor(details: readonly FieldProblem[], message?: string) {
    super('invalid_input', 400, message ?? describe(details), { details });
  }

  /** A validation error about a single field. */
  static field(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

/** 404: missing, or belonging to another organization (the two are indistinguishable). */
export class NotFoundError extends HeraldError {
  constructor(what: string) {
    super('not_found', 404, `${what} not found`);
  }
}

/** 401: no valid credentials. */
export class UnauthorizedError extends HeraldError {
  constructor(message = 'A valid bearer token is required') {
    super('unauthorized', 401, message);
  }
}

/** 403: authenticated, but this credential may not do that (never used to hide other tenants). */
export class ForbiddenError extends HeraldError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

/** 409: the write conflicts with existing state (duplicate slug, email, …). */
export class ConflictError extends HeraldError {
  constructor(message: string, details: readonly FieldProblem[] = []) {
    super('conflict', 409, message, { details });
  }
}

/** 429: slow down; `retryAfterSeconds` becomes the `Retry-After` header. */
export class RateLimitedError extends HeraldError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, message = 'Too many requests') {
    super('rate_limited', 429, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * 503: a part this answer needs (Redis, in a cluster) cannot answer now; `retryAfterSeconds` becomes the
 * `Retry-After` header. Nothing was done: the request may be sent again as it is.
 */
export class UnavailableError extends HeraldError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, message: string, cause?: unknown) {
    super('unavailable', 503, message, { cause });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

function describe(details: readonly FieldProblem[]): string {
  if (details.length === 0) return 'Invalid input';
  const names = details.map((d) => d.path || '(body)');
  return `Invalid input: ${[...new Set(names)].join(', ')}`;
}
