import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { newId, newToken } from '../ids.js';
import { hashToken } from '../security/secret-box.js';
import type { Database } from '../store/schema.js';
import { iso, type Principal } from '../tenancy/context.js';
import { userAccess } from './user-access.js';

/** The readable start of every personal token, so a leaked one is recognised (and told from org keys). */
export const USER_TOKEN_PREFIX = 'hru';

/**
 * How often a token's (or an organization key's) `last_used_at` is written at most: writing on every
 * request would turn reads into writes; a minute is precise enough for "active".
 */
export const TOUCH_INTERVAL_MS = 60_000;

/** A personal token as listed: never the token itself. */
export interface UserToken {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** A user as `GET /api/v1/me` shows it, with the organizations they belong to. */
export interface Me {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly locale: string;
  readonly timezone: string;
  readonly createdAt: string;
  readonly organizations: { id: string; slug: string; name: string; role: string }[];
}

/**
 * The principal of a personal token's hash, or null. Marks the token used and the user active (at most
 * once a minute), which is what `ActiveMembers` orders by.
 */
export async function authenticateUserToken(
  db: Kysely<Database>,
  hash: string,
  now: number,
): Promise<Principal | null> {
  const row = await db
    .selectFrom('user_tokens')
    .select(['id', 'user_id', 'last_used_at', 'issued_by_org'])
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  if (!row) return null;
  // An organization's key made this token for someone who belonged to it alone; once they belong to
  // another organization too, the token would reach that one as well, so it no longer holds.
  if (row.issued_by_org !== null) {
    const orgIds = await memberships(db, row.user_id);
    if (orgIds.length !== 1 || orgIds[0] !== row.issued_by_org) return null;
  }
  if (row.last_used_at === null || now - row.last_used_at >= TOUCH_INTERVAL_MS) {
    await db.updateTable('user_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
    await db.updateTable('users').set({ last_active_at: now }).where('id', '=', row.user_id).execute();
  }
  return { kind: 'user', userId: row.user_id, tokenId: row.id };
}

/** The organizations the user is a member of. */
async function memberships(db: Kysely<Database>, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('members').select('org_id').where('user_id', '=', userId).execute();
  return rows.map((r) => r.org_id);
}

/** Personal tokens of users; only SHA-256 hashes are stored. */
export function userTokens(deps: { readonly db: Kysely<Database>; readonly clock: Clock }) {
  const { db, clock } = deps;
  const access = userAccess(db);

  return {
    /**
     * Creates a token for the user; the token is in the answer once and never again. Only the admin
     * token and an org key of an organization the user is in may: a token never mints another. An org
     * key may only for someone who belongs to its organization alone (a person's token reaches all
     * their organizations), and the token stops working when they join another.
     */
    async create(principal: Principal, userId: string, name: string): Promise<UserToken & { token: string }> {
      if (principal.kind === 'user') throw new NotFoundError('User');
      await access.reach(principal, userId);
      if (principal.kind === 'org' && (await memberships(db, userId)).length > 1) {
        throw new ForbiddenError(
          `${userId} is also a member of another organization: their personal token comes from the admin token or an emailed sign-in link`,
        );
      }
      const now = clock.now();
      const token = newToken(USER_TOKEN_PREFIX);
      const row = {
        id: newId('utk', now),
        user_id: userId,
        token_hash: hashToken(token),
        name,
        prefix: token.slice(0, 8),
        created_at: now,
        last_used_at: null,
        issued_by_org: principal.kind === 'org' ? principal.orgId : null,
      };
      await db.insertInto('user_tokens').values(row).execute();
      return { id: row.id, userId, name, prefix: row.prefix, createdAt: iso(now), lastUsedAt: null, token };
    },

    /**
     * The user's personal tokens, never the tokens themselves: all of them for the person and the admin
     * token, those its organization made for an org key.
     */
    async list(principal: Principal, userId: string): Promise<UserToken[]> {
      await access.reach(principal, userId);
      let query = db.selectFrom('user_tokens').selectAll().where('user_id', '=', userId);
      if (principal.kind === 'org') query = query.where('issued_by_org', '=', principal.orgId);
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      return rows.map((r) => ({
        id: r.id,
        userId: r.user_id,
        name: r.name,
        prefix: r.prefix,
        createdAt: iso(r.created_at),
        lastUsedAt: iso(r.last_used_at),
      }));
    },

    /** Revokes one of the tokens {@link list} shows `principal`; it stops working at once. */
    async revoke(principal: Principal, userId: string, tokenId: string): Promise<void> {
      await access.reach(principal, userId);
      let query = db.deleteFrom('user_tokens').where('user_id', '=', userId).where('id', '=', tokenId);
      if (principal.kind === 'org') query = query.where('issued_by_org', '=', principal.orgId);
      const result = await query.executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new NotFoundError('Token');
    },

    /** The user behind a personal token, with their organizations; 404 for other credentials. */
    async me(principal: Principal): Promise<Me> {
      if (principal.kind !== 'user') throw new NotFoundError('User');
      const user = await db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', principal.userId)
        .executeTakeFirst();
      if (!user) throw new NotFoundError('User');
      const orgs = await db
        .selectFrom('members')
        .innerJoin('organizations', 'organizations.id', 'members.org_id')
        .select(['organizations.id', 'organizations.slug', 'organizations.name', 'members.role'])
        .where('members.user_id', '=', user.id)
        .orderBy('organizations.slug')
        .execute();
      return {
        id: user.id,
        email: user.email,
        name: user.name,
        locale: user.locale,
        timezone: user.timezone,
        createdAt: iso(user.created_at),
        organizations: orgs,
      };
    },
  };
}

/** The personal tokens service. */
export type UserTokens = ReturnType<typeof userTokens>;
