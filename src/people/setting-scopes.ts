import type { Kysely, Transaction } from 'kysely';
import { type FieldProblem, ValidationError } from '../errors.js';
import type { ScopeType } from '../preferences/setting-schema.js';
import type { Database, TeamTable } from '../store/schema.js';
import type { UserReach } from './user-access.js';

// Which scopes a settings row may name: checked against membership inside the writing transaction, so
// a project or team removed meanwhile cannot slip through.

type Executor = Kysely<Database> | Transaction<Database>;

/** Where effective values are computed: an organization and optionally one of its projects. */
export interface SettingsQuery {
  readonly orgId?: string | undefined;
  readonly projectId?: string | undefined;
}

/** The scope of one settings entry, in the order of the request body. */
export interface ScopedEntry {
  readonly scopeType: ScopeType;
  readonly scopeId: string;
}

/** Problems with the scopes a person's entries name: organizations, projects and teams they are in. */
export async function userScopeProblems(
  trx: Executor,
  reach: UserReach,
  entries: readonly ScopedEntry[],
): Promise<FieldProblem[]> {
  const orgs = await scopeOrgs(trx, entries);
  const teamIds = entries.filter((e) => e.scopeType === 'team').map((e) => e.scopeId);
  const ownTeams = new Set(
    teamIds.length === 0
      ? []
      : (
          await trx
            .selectFrom('team_members')
            .select('team_id')
            .where('user_id', '=', reach.user.id)
            .where('team_id', 'in', teamIds)
            .execute()
        ).map((r) => r.team_id),
  );
  return entries.flatMap((entry, i) => {
    const inReach = reach.orgIds.includes(orgs[i] ?? '');
    const ok =
      entry.scopeType === 'user' || (inReach && (entry.scopeType !== 'team' || ownTeams.has(entry.scopeId)));
    return ok ? [] : [{ path: `settings.${i}.scopeId`, message: USER_SCOPE_PROBLEMS[entry.scopeType] }];
  });
}

const USER_SCOPE_PROBLEMS: Readonly<Record<ScopeType, string>> = {
  user: 'A user-scoped setting must name this user',
  organization: 'Not an organization this user belongs to',
  project: 'Not a project of an organization this user belongs to',
  team: 'Not a team this user belongs to',
};

/** Problems with the scopes a team's entries name: the team itself, its organization and projects. */
export async function teamScopeProblems(
  trx: Executor,
  team: TeamTable,
  entries: readonly ScopedEntry[],
): Promise<FieldProblem[]> {
  const orgs = await scopeOrgs(trx, entries);
  return entries.flatMap((entry, i): FieldProblem[] => {
    const path = `settings.${i}.scopeId`;
    if (entry.scopeType === 'user') {
      return [{ path: `settings.${i}.scopeType`, message: 'A team setting cannot be scoped to a user' }];
    }
    if (entry.scopeType === 'team' && entry.scopeId !== team.id) {
      return [{ path, message: 'A team setting may be scoped to the team itself only' }];
    }
    if (entry.scopeType === 'organization' && entry.scopeId !== team.org_id) {
      return [{ path, message: "Not the team's organization" }];
    }
    if (entry.scopeType === 'project' && orgs[i] !== team.org_id) {
      return [{ path, message: "Not a project of the team's organization" }];
    }
    return [];
  });
}

/** The organization each scope belongs to (null for user scopes and ids that name nothing). */
export async function scopeOrgs(trx: Executor, entries: readonly ScopedEntry[]): Promise<(string | null)[]> {
  const ids = (type: ScopeType) => [
    ...new Set(entries.filter((e) => e.scopeType === type).map((e) => e.scopeId)),
  ];
  const lookup = async (table: 'organizations' | 'projects' | 'teams', list: string[]) => {
    if (list.length === 0) return new Map<string, string>();
    if (table === 'organizations') {
      const rows = await trx.selectFrom('organizations').select('id').where('id', 'in', list).execute();
      return new Map(rows.map((r) => [r.id, r.id]));
    }
    const rows =
      table === 'projects'
        ? await trx
            .selectFrom('projects')
            .select(['id', 'org_id'])
            .where('id', 'in', list)
            .where('deleted_at', 'is', null)
            .execute()
        : await trx.selectFrom(table).select(['id', 'org_id']).where('id', 'in', list).execute();
    return new Map(rows.map((r) => [r.id, r.org_id]));
  };
  const byType: Partial<Record<ScopeType, Map<string, string>>> = {
    organization: await lookup('organizations', ids('organization')),
    project: await lookup('projects', ids('project')),
    team: await lookup('teams', ids('team')),
  };
  return entries.map((e) => byType[e.scopeType]?.get(e.scopeId) ?? null);
}

/** The teams among `teamIds` that belong to one of `orgIds`. */
export async function teamsInOrgs(
  db: Executor,
  teamIds: readonly string[],
  orgIds: readonly string[],
): Promise<string[]> {
  if (teamIds.length === 0 || orgIds.length === 0) return [];
  const rows = await db
    .selectFrom('teams')
    .select('id')
    .where('id', 'in', [...teamIds])
    .where('org_id', 'in', [...orgIds])
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Checks `?orgId=&projectId=` against what the caller may see; either may be given alone. */
export async function effectiveContext(
  db: Executor,
  orgIds: readonly string[],
  query: SettingsQuery,
): Promise<{ orgId: string | null; projectId: string | null }> {
  let orgId: string | null = null;
  if (query.orgId !== undefined) {
    const org = await db
      .selectFrom('organizations')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', query.orgId ?? ''), eb('slug', '=', query.orgId ?? '')]))
      .executeTakeFirst();
    if (!org || !orgIds.includes(org.id)) {
      throw ValidationError.field('query.orgId', 'Not an organization this user belongs to');
    }
    orgId = org.id;
  }
  if (query.projectId === undefined) return { orgId, projectId: null };
  const project = await db
    .selectFrom('projects')
    .select(['id', 'org_id'])
    .where('id', '=', query.projectId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!project || !orgIds.includes(project.org_id) || (orgId !== null && orgId !== project.org_id)) {
    throw ValidationError.field('query.projectId', 'Not a project of an organization this user belongs to');
  }
  return { orgId: project.org_id, projectId: project.id };
}
