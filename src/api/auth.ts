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

/**
 * The token of an `Authorization` header: `Bearer <token>`, or HTTP Basic with the token as the password
 * (any user name), for clients that can only send Basic: Prometheus's `basic_auth` towards an
 * Alertmanager, webhook senders, curl's `-u`.
 */
export function tokenOf(header: string | undefined): string | null {
  if (!header) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer?.[1]) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic?.[1]) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return password.length > 0 ? password : null;
}

/** Reads the caller's token (see {@link tokenOf}) and resolves the caller; 401 when absent or unknown. */
export function authenticate(keys: ApiKeys) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = tokenOf(request.headers.authorization);
    if (!token) throw new UnauthorizedError();
    const principal = await keys.authenticate(token);
    if (!principal) throw new UnauthorizedError('The bearer token is not valid');
    request.principal = principal;
  };
}

/** The caller of an authenticated route. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError();
  return request.principal;
}
