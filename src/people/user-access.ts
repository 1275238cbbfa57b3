import type { Kysely } from 'kysely';
import { NotFoundError } from '../errors.js';
import type { Database, UserTable } from '../store/schema.js';
import type { Principal } from '../tenancy/context.js';

/**
 * What a caller may reach of one person: the person, and the organizations whose scopes it may read and
 * write for them. The admin token and the person's own token reach every organization the person is in;
 * an org key reaches only its own organization, so it never learns where else the person works.
 */
export interface UserReach {
  readonly user: UserTable;
  readonly orgIds: readonly string[];
}

/** Membership lookups shared by the settings, subscriptions and recipients stores. */
export function userAccess(db: Kysely<Database>) {
  async function orgIdsOf(userId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('members')
      .select('org_id')
      .where('user_id', '=', userId)
      .orderBy('org_id')
      .execute();
    return rows.map((r) => r.org_id);
  }

  return {
    orgIdsOf,

    /** The ids of the teams the user is in, optionally only those of one organization. */
    async teamIdsOf(userId: string, orgId?: string): Promise<string[]> {
      let query = db
        .selectFrom('team_members')
        .innerJoin('teams', 'teams.id', 'team_members.team_id')
        .select('teams.id')
        .where('team_members.user_id', '=', userId);
      if (orgId !== undefined) query = query.where('teams.org_id', '=', orgId);
      return (await query.orderBy('teams.id').execute()).map((r) => r.id);
    },

    /** True when the user is a member of the organization. */
    async isMember(orgId: string, userId: string): Promise<boolean> {
      const row = await db
        .selectFrom('members')
        .select('user_id')
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** What `principal` may reach of user `userId`; 404 when it may not reach the person at all. */
    async reach(principal: Principal, userId: string): Promise<UserReach> {
      if (principal.kind === 'user' && principal.userId !== userId) throw new NotFoundError('User');
      const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
      if (!user) throw new NotFoundError('User');
      const orgIds = await orgIdsOf(userId);
      if (principal.kind !== 'org') return { user, orgIds };
      if (!orgIds.includes(principal.orgId)) throw new NotFoundError('User');
      return { user, orgIds: [principal.orgId] };
    },
  };
}

/** The membership lookups. */
export type UserAccess = ReturnType<typeof userAccess>;
