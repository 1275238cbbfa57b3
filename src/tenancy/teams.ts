import type { Transaction } from 'kysely';
import { ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { HeldOnChange } from '../people/notification-settings.js';
import { enqueueJobs, type JobInput } from '../queue/queue.js';
import type { Database, TeamTable } from '../store/schema.js';
import { isUniqueViolation } from '../store/store.js';
import { assertFound, assertNoRuleActionNames, iso, type TenancyDeps } from './context.js';
import { lockOrganization, unassignIssues } from './members.js';

/** A team as the API shows it. */
export interface Team {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly memberIds: string[];
  readonly createdAt: string;
}

/** A change to a team: its name, and its members as a whole list (replaced). */
export interface TeamPatch {
  readonly name?: string | undefined;
  readonly memberIds?: readonly string[] | undefined;
}

/** Makes a change to who is in a team, with what waits for `people` decided again once it is made. */
type Redecide = (people: readonly string[], change: () => Promise<void>) => Promise<void>;

/** What the teams service needs. */
export interface TeamsDeps extends TenancyDeps {
  /**
   * Decides again, in the transaction that changes who is in a team, what waits for the people who join
   * or leave it: the team's settings apply to its members (throttle/held-on-change.ts).
   */
  readonly heldOnChange: HeldOnChange;
  /** Told the ids of the jobs that change wrote, once it committed. */
  readonly onJobsCommitted: (ids: string[]) => void;
}

/**
 * Teams of an organization, with their members (who must be members of the organization). A team's
 * settings apply to its members, so whoever joins or leaves one (its deletion included) has what waits
 * for them (quiet hours, a digest their quiet hours held) decided again at once, as a change of their
 * own settings does.
 */
export function teams(deps: TeamsDeps) {
  const { db, clock } = deps;

  /**
   * Runs `work` in one transaction; what it changes for people through `redecide` commits with the jobs
   * that decide again what waits for them, and the queue is told once it committed.
   */
  async function committing<T>(
    now: number,
    work: (trx: Transaction<Database>, redecide: Redecide) => Promise<T>,
  ): Promise<T> {
    const { result, jobIds } = await db.transaction().execute(async (trx) => {
      const jobs: JobInput[] = [];
      const result = await work(trx, async (people, change) => {
        jobs.push(...(await deps.heldOnChange(trx, people, now, change)));
      });
      return { result, jobIds: await enqueueJobs(trx, jobs, now) };
    });
    if (jobIds.length > 0) deps.onJobsCommitted(jobIds);
    return result;
  }

  /** The team as the API shows it, read in the transaction. */
  async function view(trx: Transaction<Database>, row: TeamTable): Promise<Team> {
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      memberIds: await memberIdsOf(trx, row.id),
      createdAt: iso(row.created_at),
    };
  }

  return {
    /** Creates a team; a new team has no settings yet, so nothing waiting for its members changes. */
    async create(
      orgId: string,
      input: { slug: string; name?: string | undefined; memberIds?: readonly string[] | undefined },
    ): Promise<Team> {
      const now = clock.now();
      const memberIds = [...new Set(input.memberIds ?? [])];
      return db.transaction().execute(async (trx) => {
        await lockOrganization(trx, orgId);
        await assertMembers(trx, orgId, input.memberIds ?? []);
        const row = {
          id: newId('team', now),
          org_id: orgId,
          slug: input.slug,
          name: input.name ?? input.slug,
          created_at: now,
        };
        try {
          await trx.insertInto('teams').values(row).execute();
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw new ConflictError(`A team with slug "${input.slug}" already exists`, [
              { path: 'slug', message: 'is taken' },
            ]);
          }
          throw error;
        }
        if (memberIds.length > 0) {
          await trx
            .insertInto('team_members')
            .values(memberIds.map((user_id) => ({ team_id: row.id, user_id })))
            .execute();
        }
        return { id: row.id, slug: row.slug, name: row.name, memberIds, createdAt: iso(now) };
      });
    },

    /**
     * Renames a team and replaces its members with `memberIds` (each a member of the organization, else
     * 400 naming `memberIds.N`). People who leave the team lose their settings scoped to it. What waits
     * for those who join or leave is decided again with the team's settings now applying to them, or not.
     */
    async update(orgId: string, teamId: string, patch: TeamPatch): Promise<Team> {
      return committing(clock.now(), async (trx, redecide) => {
        await lockOrganization(trx, orgId);
        const row = await teamRow(trx, orgId, teamId);
        if (patch.memberIds !== undefined) await assertMembers(trx, orgId, patch.memberIds);
        if (patch.name !== undefined && patch.name !== row.name) {
          await trx.updateTable('teams').set({ name: patch.name }).where('id', '=', teamId).execute();
        }
        if (patch.memberIds !== undefined) {
          const memberIds = [...new Set(patch.memberIds)];
          const before = await memberIdsOf(trx, teamId);
          const leaving = before.filter((id) => !memberIds.includes(id));
          const joining = memberIds.filter((id) => !before.includes(id));
          await redecide([...leaving, ...joining], async () => {
            if (leaving.length > 0) {
              await trx
                .deleteFrom('notification_settings')
                .where('owner_type', '=', 'user')
                .where('owner_id', 'in', leaving)
                .where('scope_type', '=', 'team')
                .where('scope_id', '=', teamId)
                .execute();
            }
            await trx.deleteFrom('team_members').where('team_id', '=', teamId).execute();
            if (memberIds.length > 0) {
              await trx
                .insertInto('team_members')
                .values(memberIds.map((user_id) => ({ team_id: teamId, user_id })))
                .execute();
            }
          });
        }
        return view(trx, { ...row, name: patch.name ?? row.name });
      });
    },

    /**
     * Deletes a team: its members stay in the organization; its projects lose it (a project left with no
     * team is open to the whole organization); issues assigned to it are unassigned; settings of the team
     * and settings scoped to it go, and what waits for its members is decided again without them.
     * Ownership rules stop naming it (owners are read by id, and a team id never comes back). A team that
     * alert rules send to is kept (409 naming them) unless `force`: their actions would reach nobody.
     * Forced, the rules are kept: a firing records why nothing went to the team, and saving one again says
     * it is not a team.
     */
    async remove(orgId: string, teamId: string, options: { force?: boolean } = {}): Promise<void> {
      const now = clock.now();
      await committing(now, async (trx, redecide) => {
        await lockOrganization(trx, orgId);
        await teamRow(trx, orgId, teamId);
        if (!options.force) {
          await assertNoRuleActionNames(trx, orgId, teamId, 'Alert rules send to this team');
        }
        // Its members lose its settings: what waits for them is decided again without them.
        await redecide(await memberIdsOf(trx, teamId), async () => {
          await unassignIssues(trx, orgId, { type: 'team', id: teamId }, now);
          await trx
            .deleteFrom('notification_settings')
            .where((eb) =>
              eb.or([
                eb.and([eb('owner_type', '=', 'team'), eb('owner_id', '=', teamId)]),
                eb.and([eb('scope_type', '=', 'team'), eb('scope_id', '=', teamId)]),
              ]),
            )
            .execute();
          // Its members and its links to projects go with it (the foreign keys cascade).
          await trx.deleteFrom('teams').where('id', '=', teamId).execute();
        });
      });
    },

    async list(orgId: string): Promise<Team[]> {
      const rows = await db
        .selectFrom('teams')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('created_at')
        .execute();
      if (rows.length === 0) return [];
      const links = await db
        .selectFrom('team_members')
        .select(['team_id', 'user_id'])
        .where(
          'team_id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      return rows.map((r) => ({
        id: r.id,
        slug: r.slug,
        name: r.name,
        memberIds: links.filter((l) => l.team_id === r.id).map((l) => l.user_id),
        createdAt: iso(r.created_at),
      }));
    },
  };
}

/** The teams service. */
export type Teams = ReturnType<typeof teams>;

/** The organization's team, or 404 (another organization's team is not found either). */
async function teamRow(trx: Transaction<Database>, orgId: string, teamId: string): Promise<TeamTable> {
  const row = await trx
    .selectFrom('teams')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', teamId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Team');
  return row;
}

/** The ids of the team's members. */
async function memberIdsOf(trx: Transaction<Database>, teamId: string): Promise<string[]> {
  const links = await trx
    .selectFrom('team_members')
    .select('user_id')
    .where('team_id', '=', teamId)
    .execute();
  return links.map((l) => l.user_id);
}

/** 400 naming `memberIds.N` for each id that is not a member of the organization. */
async function assertMembers(
  trx: Transaction<Database>,
  orgId: string,
  memberIds: readonly string[],
): Promise<void> {
  if (memberIds.length === 0) return;
  const found = await trx
    .selectFrom('members')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('user_id', 'in', [...new Set(memberIds)])
    .execute();
  assertFound(memberIds, new Set(found.map((r) => r.user_id)), 'memberIds', 'a member');
}
