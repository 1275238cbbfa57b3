import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors.js';
import { type EffectiveSetting, effectiveSettings } from '../preferences/resolve.js';
import { parseSettingsUpdate, type SettingChanges, type SettingRow } from '../preferences/setting-schema.js';
import { enqueueJobs, type JobInput } from '../queue/queue.js';
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

/**
 * Runs a change to people's settings in its transaction and answers the jobs, to write in it, that decide
 * again at once what waits for them (throttle/held-on-change.ts).
 */
export type HeldOnChange = (
  trx: Transaction<Database>,
  userIds: readonly string[],
  now: number,
  change: () => Promise<void>,
) => Promise<JobInput[]>;

/** What the notification settings service needs. */
export interface NotificationSettingsDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** What waits for a person (quiet hours, a digest they held) is decided again when they change settings. */
  readonly heldOnChange: HeldOnChange;
  readonly onJobsCommitted: (ids: string[]) => void;
}

/**
 * Notification settings of users and teams over the store, with every scope checked against membership.
 * Every change, by the person, an admin, a team's settings or an unsubscribe link, commits with the jobs
 * that decide again what waits for the people it applies to.
 */
export function notificationSettings(deps: NotificationSettingsDeps) {
  const { db, clock } = deps;

  /** Runs `change` for `userIds` in one transaction with the re-decision it calls for; tells the queue. */
  async function changing(
    userIds: (trx: Transaction<Database>) => Promise<readonly string[]>,
    change: (trx: Transaction<Database>) => Promise<void>,
    now: number,
  ): Promise<void> {
    const ids = await db.transaction().execute(async (trx) => {
      const jobs = await deps.heldOnChange(trx, await userIds(trx), now, () => change(trx));
      return enqueueJobs(trx, jobs, now);
    });
    if (ids.length > 0) deps.onJobsCommitted(ids);
  }

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
      await changing(
        async () => [userId],
        async (trx) => {
          if (changes !== null) problems.push(...(await userScopeProblems(trx, reach, changes.entries)));
          if (problems.length > 0) throw validationError(problems);
          if (changes !== null) await store.apply(trx, changes, now);
          if (parsedOptions !== null) await writeOptions(trx, userId, parsedOptions.patch, now);
        },
        now,
      );
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
      // The team's rows apply to its members: what waits for each of them is decided again.
      const members = async (trx: Transaction<Database>) =>
        (await trx.selectFrom('team_members').select('user_id').where('team_id', '=', team.id).execute()).map(
          (r) => r.user_id,
        );
      await changing(
        members,
        async (trx) => {
          if (parsed !== null) problems.push(...(await teamScopeProblems(trx, team, parsed.entries)));
          if (problems.length > 0) throw validationError(problems);
          if (parsed === null) return;
          const changes: SettingChanges = {
            upserts: parsed.upserts.map((r) => ({ ...r, ownerType: 'team' })),
            deletes: parsed.deletes.map((k) => ({ ...k, ownerType: 'team' })),
          };
          await store.apply(trx, changes, now);
        },
        now,
      );
      return teamView(team, {});
    },

    /** Writes one row as it is (a verified unsubscribe link); what waits for its owner is decided again. */
    async applyRow(row: SettingRow): Promise<void> {
      const now = clock.now();
      await changing(
        async () => (row.ownerType === 'user' ? [row.ownerId] : []),
        (trx) => store.apply(trx, { upserts: [row], deletes: [] }, now),
        now,
      );
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
