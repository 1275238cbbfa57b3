import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors.js';
import { type EffectiveSetting, effectiveSettings } from '../preferences/resolve.js';
import { parseSettingsUpdate, type SettingChanges, type SettingRow } from '../preferences/setting-schema.js';
import type { Database, TeamTable } from '../store/schema.js';
import type { Principal } from '../tenancy/context.js';
import { validationError } from '../validation.js';
import {
  effectiveContext,
  type ScopedEntry,
  type SettingsQuery,
  scopeOrgs,
  teamScopeProblems,
  teamsInOrgs,
  userScopeProblems,
} from './setting-scopes.js';
import { settingsStore } from './settings-store.js';
import { type UserReach, userAccess } from './user-access.js';
import { optionsView, parseOptionsPatch, type UserOptionsView, writeOptions } from './user-options.js';

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
