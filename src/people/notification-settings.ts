import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors.js';
import { type EffectiveSetting, effectiveSettings } from '../preferences/resolve.js';
import {
  parseSettingsUpdate,
  type ScopeType,
  type SettingChanges,
  type SettingRow,
} from '../preferences/setting-schema.js';
import type { Database, TeamTable } from '../store/schema.js';
import type { Principal } from '../tenancy/context.js';
import { validationError } from '../validation.js';
import { settingsStore } from './settings-store.js';
import { type UserReach, userAccess } from './user-access.js';
import { optionsView, parseOptionsPatch, type UserOptionsView, writeOptions } from './user-options.js';

/** Where effective values are computed: an organization and optionally one of its projects. */
export interface SettingsQuery {
  readonly orgId?: string | undefined;
  readonly projectId?: string | undefined;
}

/** The answer of the settings GET and PUT for a person. */
export interface UserSettingsView {
  readonly userId: string;
  readonly settings: SettingRow[];
  readonly context: { orgId: string | null; projectId: string | null };
  readonly effective: EffectiveSetting[];
  readonly options: UserOptionsView;
}

/** The answer of the settings GET and PUT for a team: what a member who set nothing gets. */
export interface TeamSettingsView {
  readonly teamId: string;
  readonly settings: SettingRow[];
  readonly context: { orgId: string; projectId: string | null };
  readonly effective: EffectiveSetting[];
}

type Executor = Kysely<Database> | Transaction<Database>;

/** Notification settings of users and teams over the store, with every scope checked against membership. */
export function notificationSettings(deps: { readonly db: Kysely<Database>; readonly clock: Clock }) {
  const { db, clock } = deps;
  const access = userAccess(db);
  const store = settingsStore(db);

  async function userView(reach: UserReach, query: SettingsQuery): Promise<UserSettingsView> {
    const userId = reach.user.id;
    const context = await effectiveContext(db, reach.orgIds, query);
    const allTeams = await access.teamIdsOf(userId, context.orgId ?? undefined);
    const teamIds = await teamsInOrgs(db, allTeams, reach.orgIds);
    const rows = await store.rowsOf({ userIds: [userId], teamIds });
    const own = rows.filter((r) => r.ownerType === 'user');
    const owners = await scopeOrgs(db, own);
    const settings = own.filter((r, i) => r.scopeType === 'user' || reach.orgIds.includes(owners[i] ?? ''));
    return {
      userId,
      settings,
      context,
      effective: effectiveSettings(rows, {
        userId,
        teamIds,
        orgId: context.orgId ?? '',
        projectId: context.projectId,
      }),
      options: await optionsView(db, reach.user, clock.now()),
    };
  }

  async function teamOf(orgId: string, ref: string): Promise<TeamTable> {
    const team = await db
      .selectFrom('teams')
      .selectAll()
      .where('org_id', '=', orgId)
      .where((eb) => eb.or([eb('id', '=', ref), eb('slug', '=', ref)]))
      .executeTakeFirst();
    if (!team) throw new NotFoundError('Team');
    return team;
  }

  async function teamView(team: TeamTable, query: SettingsQuery): Promise<TeamSettingsView> {
    const context = await effectiveContext(db, [team.org_id], { ...query, orgId: team.org_id });
    const settings = await store.rowsOf({ userIds: [], teamIds: [team.id] });
    const effective = effectiveSettings(settings, {
      userId: '',
      teamIds: [team.id],
      orgId: team.org_id,
      projectId: context.projectId,
    });
    return {
      teamId: team.id,
      settings,
      context: { orgId: team.org_id, projectId: context.projectId },
      effective,
    };
  }

  return {
    /** The person's stored rows, effective values for `query`, and options; 404 when out of reach. */
    async getForUser(principal: Principal, userId: string, query: SettingsQuery): Promise<UserSettingsView> {
      return userView(await access.reach(principal, userId), query);
    },

    /** Applies the PUT body (settings and options) in one transaction; on any problem writes nothing. */
    async putForUser(principal: Principal, userId: string, body: unknown): Promise<UserSettingsView> {
      const reach = await access.reach(principal, userId);
      const now = clock.now();
      const { settings, options } = splitBody(body);
      const problems: FieldProblem[] = [];
      const changes = collect(problems, settings, (input) => parseSettingsUpdate(input, userId));
      const parsedOptions = options === undefined ? null : parseOptionsPatch(options, now);
      problems.push(...(parsedOptions?.problems ?? []));
      await db.transaction().execute(async (trx) => {
        if (changes !== null) problems.push(...(await userScopeProblems(trx, reach, changes.entries)));
        if (problems.length > 0) throw validationError(problems);
        if (changes !== null) await store.apply(trx, changes, now);
        if (parsedOptions !== null) await writeOptions(trx, userId, parsedOptions.patch, now);
      });
      const fresh = await access.reach(principal, userId);
      return userView(fresh, {});
    },

    /** A team's stored rows and the values its members inherit. */
    async getForTeam(orgId: string, teamRef: string, query: SettingsQuery): Promise<TeamSettingsView> {
      return teamView(await teamOf(orgId, teamRef), query);
    },

    /** Applies a team's settings PUT in one transaction; a team has no options and no user scope. */
    async putForTeam(orgId: string, teamRef: string, body: unknown): Promise<TeamSettingsView> {
      const team = await teamOf(orgId, teamRef);
      const now = clock.now();
      const { settings, options } = splitBody(body);
      const problems: FieldProblem[] = [];
      if (options !== undefined) problems.push({ path: 'options', message: 'Teams have no options' });
      const parsed = collect(problems, settings, (input) => parseSettingsUpdate(input, team.id));
      await db.transaction().execute(async (trx) => {
        if (parsed !== null) problems.push(...(await teamScopeProblems(trx, team, parsed.entries)));
        if (problems.length > 0) throw validationError(problems);
        if (parsed === null) return;
        const changes: SettingChanges = {
          upserts: parsed.upserts.map((r) => ({ ...r, ownerType: 'team' })),
          deletes: parsed.deletes.map((k) => ({ ...k, ownerType: 'team' })),
        };
        await store.apply(trx, changes, now);
      });
      return teamView(team, {});
    },

    /** Writes one row as it is (a verified unsubscribe link). */
    async applyRow(row: SettingRow): Promise<void> {
      await store.apply(db, { upserts: [row], deletes: [] }, clock.now());
    },
  };
}

/** The notification settings service. */
export type NotificationSettings = ReturnType<typeof notificationSettings>;

interface ScopedEntry {
  readonly scopeType: ScopeType;
  readonly scopeId: string;
}

function splitBody(body: unknown): { settings: unknown; options: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError([{ path: '', message: 'Expected an object with settings and/or options' }]);
  }
  const { settings, options, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (settings === undefined && options === undefined) {
    throw validationError([{ path: 'settings', message: 'Give settings, options or both' }]);
  }
  if (unknown.length > 0) {
    throw validationError(unknown.map((key) => ({ path: key, message: 'Unknown field' })));
  }
  return { settings, options };
}

/** Parses the settings list (when given); problems join the others instead of stopping at the first. */
function collect(
  problems: FieldProblem[],
  settings: unknown,
  parse: (body: unknown) => SettingChanges,
): (SettingChanges & { entries: readonly ScopedEntry[] }) | null {
  if (settings === undefined) return null;
  try {
    const changes = parse({ settings });
    // Parsed, so every entry has a valid scope, in the order of the body.
    return { ...changes, entries: settings as ScopedEntry[] };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.details);
    return null;
  }
}

async function userScopeProblems(
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

async function teamScopeProblems(
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
async function scopeOrgs(trx: Executor, entries: readonly ScopedEntry[]): Promise<(string | null)[]> {
  const ids = (type: ScopeType) => [
    ...new Set(entries.filter((e) => e.scopeType === type).map((e) => e.scopeId)),
  ];
  const lookup = async (table: 'organizations' | 'projects' | 'teams', list: string[]) => {
    if (list.length === 0) return new Map<string, string>();
    if (table === 'organizations') {
      const rows = await trx.selectFrom('organizations').select('id').where('id', 'in', list).execute();
      return new Map(rows.map((r) => [r.id, r.id]));
    }
    const rows = await trx.selectFrom(table).select(['id', 'org_id']).where('id', 'in', list).execute();
    return new Map(rows.map((r) => [r.id, r.org_id]));
  };
  const byType: Partial<Record<ScopeType, Map<string, string>>> = {
    organization: await lookup('organizations', ids('organization')),
    project: await lookup('projects', ids('project')),
    team: await lookup('teams', ids('team')),
  };
  return entries.map((e) => byType[e.scopeType]?.get(e.scopeId) ?? null);
}

async function teamsInOrgs(
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
async function effectiveContext(
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
    .executeTakeFirst();
  if (!project || !orgIds.includes(project.org_id) || (orgId !== null && orgId !== project.org_id)) {
    throw ValidationError.field('query.projectId', 'Not a project of an organization this user belongs to');
  }
  return { orgId: project.org_id, projectId: project.id };
}
