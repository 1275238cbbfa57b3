import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/schema.js';

/** A person a notification may go to, with what rendering needs. */
export interface RecipientUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly locale: string;
  readonly timezone: string;
}

/** How project members are listed: by recent activity (ActiveMembers) or by when they joined. */
export interface MemberListing {
  readonly order: 'activity' | 'joined';
  readonly limit?: number;
}

/** The queries recipients resolution runs; every one is scoped by organization. */
export function recipientStore(db: Kysely<Database>) {
  const people = () =>
    db
      .selectFrom('members')
      .innerJoin('users', 'users.id', 'members.user_id')
      .select(['users.id', 'users.email', 'users.name', 'users.locale', 'users.timezone']);

  return {
    /** The members among `userIds`, in the order given. */
    async members(orgId: string, userIds: readonly string[]): Promise<RecipientUser[]> {
      if (userIds.length === 0) return [];
      const rows = await people()
        .where('members.org_id', '=', orgId)
        .where('users.id', 'in', [...new Set(userIds)])
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      return [...new Set(userIds)].flatMap((id) => byId.get(id) ?? []);
    },

    /** Members of these teams of the organization (who are still members of it), in joining order. */
    async teamMembers(orgId: string, teamIds: readonly string[]): Promise<RecipientUser[]> {
      if (teamIds.length === 0) return [];
      return people()
        .where('members.org_id', '=', orgId)
        .where('users.id', 'in', (eb) =>
          eb
            .selectFrom('team_members')
            .innerJoin('teams', 'teams.id', 'team_members.team_id')
            .select('team_members.user_id')
            .where('teams.org_id', '=', orgId)
            .where('teams.id', 'in', [...teamIds]),
        )
        .orderBy('members.created_at')
        .orderBy('users.id')
        .execute();
    },

    /** The id of the organization's team with this id or slug, or null. */
    async teamId(orgId: string, ref: string): Promise<string | null> {
      const row = await db
        .selectFrom('teams')
        .select('id')
        .where('org_id', '=', orgId)
        .where((eb) => eb.or([eb('id', '=', ref), eb('slug', '=', ref)]))
        .executeTakeFirst();
      return row?.id ?? null;
    },

    /**
     * The members of a project: those in its teams, or every member of the organization when the
     * project has no team (it is then open to the whole organization).
     */
    async projectMembers(orgId: string, projectId: string, listing: MemberListing): Promise<RecipientUser[]> {
      const linked = await db
        .selectFrom('project_teams')
        .select('team_id')
        .where('project_id', '=', projectId)
        .executeTakeFirst();
      let query = people().where('members.org_id', '=', orgId);
      if (linked) {
        query = query.where('users.id', 'in', (eb) =>
          eb
            .selectFrom('team_members')
            .innerJoin('project_teams', 'project_teams.team_id', 'team_members.team_id')
            .select('team_members.user_id')
            .where('project_teams.project_id', '=', projectId),
        );
      }
      query =
        listing.order === 'activity'
          ? // Never-active people come last on both databases (PostgreSQL sorts NULL first when descending).
            query
              .orderBy(sql`coalesce(users.last_active_at, -1)`, 'desc')
              .orderBy('members.created_at', 'desc')
              .orderBy('users.id')
          : query.orderBy('members.created_at').orderBy('users.id');
      if (listing.limit !== undefined) query = query.limit(listing.limit);
      return query.execute();
    },

    /** The ids of the organization's teams each of these users is in. */
    async teamsOf(orgId: string, userIds: readonly string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>();
      if (userIds.length === 0) return out;
      const rows = await db
        .selectFrom('team_members')
        .innerJoin('teams', 'teams.id', 'team_members.team_id')
        .select(['team_members.user_id', 'teams.id'])
        .where('teams.org_id', '=', orgId)
        .where('team_members.user_id', 'in', [...new Set(userIds)])
        .orderBy('teams.id')
        .execute();
      for (const row of rows) out.set(row.user_id, [...(out.get(row.user_id) ?? []), row.id]);
      return out;
    },

    /** An issue's organization and project, or undefined. */
    async issue(issueId: string): Promise<{ orgId: string; projectId: string } | undefined> {
      return db
        .selectFrom('issues')
        .select(['org_id as orgId', 'project_id as projectId'])
        .where('id', '=', issueId)
        .executeTakeFirst();
    },

    /** Every subscription row of an issue, explicit unsubscribes included. */
    async subscriptions(issueId: string): Promise<{ userId: string; reason: string; subscribed: boolean }[]> {
      const rows = await db
        .selectFrom('issue_subscriptions')
        .select(['user_id', 'reason', 'subscribed'])
        .where('issue_id', '=', issueId)
        .orderBy('created_at')
        .orderBy('user_id')
        .execute();
      return rows.map((r) => ({
        userId: r.user_id,
        reason: r.reason,
        subscribed: Number(r.subscribed) === 1,
      }));
    },

    /** A release's organization and project, or undefined. */
    async release(releaseId: string): Promise<{ orgId: string; projectId: string } | undefined> {
      return db
        .selectFrom('releases')
        .select(['org_id as orgId', 'project_id as projectId'])
        .where('id', '=', releaseId)
        .executeTakeFirst();
    },

    /** The (lower-cased) author emails of a release's commits. */
    async commitEmails(releaseId: string): Promise<Set<string>> {
      const rows = await db
        .selectFrom('release_commits')
        .select('author_email')
        .where('release_id', '=', releaseId)
        .where('author_email', 'is not', null)
        .execute();
      return new Set(rows.flatMap((r) => (r.author_email ? [r.author_email.toLowerCase()] : [])));
    },
  };
}

/** The recipients queries. */
export type RecipientStore = ReturnType<typeof recipientStore>;
