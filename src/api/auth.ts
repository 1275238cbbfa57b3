import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.js';
import type { ApiKeys } from '../tenancy/api-keys.js';
import type { Principal } from '../tenancy/context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request; set by the auth hook on authenticated routes. */
    principal?: Principal;
  }
}

/** Reads `Authorization: Bearer <token>` and resolves the caller; 401 when absent or unknown. */
export function authenticate(keys: ApiKeys) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) throw new UnauthorizedError();
    const principal = await keys.authenticate(match[1]);
    if (!principal) throw new UnauthorizedError('The bearer token is not valid');
    request.principal = principal;
  };
}

/** The caller of an authenticated route. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError();
  return request.principal;
}
