import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { ForbiddenError } from '../errors.js';
import type { Database } from '../store/schema.js';

/** Roles that may change an organization's configuration. */
const MANAGERS = new Set(['owner', 'admin']);

/** A mute for the caller alone: not for everyone, not for someone else (a body on POST, a query on DELETE). */
function ownMute(request: FastifyRequest, userId: string): boolean {
  const input = (request.method === 'DELETE' ? request.query : request.body) as
    | { target?: unknown; userId?: unknown }
    | undefined;
  return input?.target === 'me' && (input.userId === undefined || input.userId === userId);
}

/** Writes every member may make in their organization: their own mutes and dry runs. */
const MEMBER_WRITES: { route: RegExp; allowed: (request: FastifyRequest, userId: string) => boolean }[] = [
  { route: /^\/api\/v1\/projects\/:org\/:project\/rules\/:id\/snooze$/, allowed: ownMute },
  { route: /^\/api\/v1\/projects\/:org\/:project\/rules\/preview$/, allowed: () => true },
  // A preview renders and stores nothing: a member may see how the organization's override reads.
  { route: /^\/api\/v1\/orgs\/:org\/templates\/:type\/:channel\/preview$/, allowed: () => true },
];

const ORG_ROUTE = /^\/api\/v1\/(orgs|projects)\/:org(\/|$)/;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Role checks for personal tokens (Sentry's model): every member reads their organization's
 * configuration and history; only owners and admins change it. Org API keys and the admin token act for
 * the whole organization. Membership itself is checked where the organization is resolved (404 outside).
 */
export function requireRole(db: Kysely<Database>) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = request.principal;
    if (principal?.kind !== 'user' || !WRITE_METHODS.has(request.method)) return;
    const route = request.routeOptions.url ?? '';
    if (!ORG_ROUTE.test(route)) return;
    if (MEMBER_WRITES.some((w) => w.route.test(route) && w.allowed(request, principal.userId))) return;
    const slug = (request.params as { org?: string }).org;
    if (!slug) return;
    const member = await db
      .selectFrom('members')
      .innerJoin('organizations', 'organizations.id', 'members.org_id')
      .select('members.role')
      .where('organizations.slug', '=', slug)
      .where('members.user_id', '=', principal.userId)
      .executeTakeFirst();
    // Not a member: let the route answer 404, exactly as for a missing organization.
    if (member && !MANAGERS.has(member.role)) {
      throw new ForbiddenError('Only owners and admins of the organization can change this');
    }
  };
}
