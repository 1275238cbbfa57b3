import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { ConflictError, NotFoundError } from '../errors.js';
import { type IngestRateLimit, rateLimitOf } from '../events/ingest-limit.js';
import { newId } from '../ids.js';
import { parseJsonObject } from '../store/json.js';
import type { Database, ProjectTable } from '../store/schema.js';
import { isUniqueViolation } from '../store/store.js';
import { assertFound, iso, type TenancyDeps } from './context.js';
import { deleteProject } from './project-deletion.js';
import type { ReferenceCache } from './reference-cache.js';

/** A project as the API shows it, with the DSN Sentry SDKs are configured with. */
export interface Project {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly platform: string | null;
  readonly number: number;
  readonly dsn: string;
  readonly teamIds: string[];
  /** At most `count` events per `windowSeconds` are taken; null takes every event. */
  readonly rateLimit: IngestRateLimit;
  readonly createdAt: string;
}

/** Input for creating a project. */
export interface CreateProjectInput {
  readonly slug: string;
  readonly name?: string | undefined;
  readonly platform?: string | null | undefined;
  readonly teamIds?: readonly string[] | undefined;
}

/** Builds a Sentry DSN: `http(s)://<key>@<host>/<number>` (SDKs read only a numeric project id). */
export function buildDsn(publicUrl: string, key: string, number: number): string {
  const url = new URL(publicUrl);
  return `${url.protocol}//${key}@${url.host}${url.pathname.replace(/\/+$/, '')}/${number}`;
}

/** A change to a project: what `PATCH …/projects/{project}` takes. */
export interface ProjectPatch {
  readonly name?: string | undefined;
  readonly platform?: string | null | undefined;
  readonly teamIds?: readonly string[] | undefined;
  /** The ingest limit; null lifts it. */
  readonly rateLimit?: IngestRateLimit | undefined;
}

/** The organization's project with this slug, or 404 naming it (a deleted one is not found either). */
async function bySlug(
  db: Kysely<Database> | Transaction<Database>,
  orgId: string,
  slug: string,
): Promise<ProjectTable> {
  const row = await db
    .selectFrom('projects')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('slug', '=', slug)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`Project "${slug}"`);
  return row;
}

/** 400 naming each of `teamIds` that is not a team of the organization. */
async function assertTeams(
  trx: Transaction<Database>,
  orgId: string,
  teamIds: readonly string[],
): Promise<void> {
  if (teamIds.length === 0) return;
  const found = await trx
    .selectFrom('teams')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', 'in', [...teamIds])
    .execute();
  assertFound(teamIds, new Set(found.map((r) => r.id)), 'teamIds', 'a team');
}

/** What the projects service needs beyond the tenancy's own. */
export interface ProjectsDeps extends TenancyDeps {
  /** The pipeline's copy of projects, told of a change made here once it committed. */
  readonly references?: ReferenceCache;
  /**
   * Told the id of a project changed or deleted here once that committed: ingest's copy of projects,
   * which holds its ingest limit and whether it still exists.
   */
  readonly onChanged?: (projectId: string) => void;
  /** Told the ids of jobs a committed write enqueued. */
  readonly onJobsCommitted?: (ids: string[]) => void;
}

/** Projects of an organization. */
export function projects(deps: ProjectsDeps) {
  const { db, clock } = deps;

  const toProject = (row: ProjectTable, teamIds: string[]): Project => ({
    id: row.id,
    slug: row.slug,
    name: row.name,
    platform: row.platform,
    number: row.number,
    dsn: buildDsn(deps.publicUrl(), row.dsn_key, row.number),
    teamIds,
    rateLimit: rateLimitOf(parseJsonObject(row.options)),
    createdAt: iso(row.created_at),
  });

  async function teamIdsOf(projectIds: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (projectIds.length === 0) return map;
    const links = await db
      .selectFrom('project_teams')
      .selectAll()
      .where('project_id', 'in', projectIds)
      .execute();
    for (const link of links) map.set(link.project_id, [...(map.get(link.project_id) ?? []), link.team_id]);
    return map;
  }

  return {
    async create(orgId: string, input: CreateProjectInput): Promise<Project> {
      const teamIds = [...new Set(input.teamIds ?? [])];
      // The numeric id is max+1; a concurrent create loses the unique race and tries the next number.
      for (let attempt = 0; ; attempt++) {
        const now = clock.now();
        try {
          return await db.transaction().execute(async (trx) => {
            await assertTeams(trx, orgId, teamIds);
            const taken = await trx
              .selectFrom('projects')
              .select('id')
              .where('org_id', '=', orgId)
              .where('slug', '=', input.slug)
              .executeTakeFirst();
            if (taken) {
              throw new ConflictError(`A project with slug "${input.slug}" already exists`, [
                { path: 'slug', message: 'is taken' },
              ]);
            }
            const max = await trx
              .selectFrom('projects')
              .select((eb) => eb.fn.max('number').as('max'))
              .executeTakeFirst();
            const row: ProjectTable = {
              id: newId('prj', now),
              org_id: orgId,
              slug: input.slug,
              name: input.name ?? input.slug,
              number: Number(max?.max ?? 0) + 1,
              dsn_key: randomBytes(16).toString('hex'),
              platform: input.platform ?? null,
              options: '{}',
              created_at: now,
            };
            await trx.insertInto('projects').values(row).execute();
            if (teamIds.length > 0) {
              await trx
                .insertInto('project_teams')
                .values(teamIds.map((team_id) => ({ project_id: row.id, team_id })))
                .execute();
            }
            return toProject(row, teamIds);
          });
        } catch (error) {
          if (isUniqueViolation(error) && attempt < 5) continue;
          if (isUniqueViolation(error)) {
            throw new ConflictError(`A project with slug "${input.slug}" already exists`, [
              { path: 'slug', message: 'is taken' },
            ]);
          }
          throw error;
        }
      }
    },

    async list(orgId: string): Promise<Project[]> {
      const rows = await db
        .selectFrom('projects')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('deleted_at', 'is', null)
        .orderBy('created_at')
        .execute();
      const teams = await teamIdsOf(rows.map((r) => r.id));
      return rows.map((r) => toProject(r, teams.get(r.id) ?? []));
    },

    /**
     * Renames the project, changes its platform or its ingest limit, or replaces its teams (the whole
     * list; each a team of the organization, 400 naming `teamIds.N`). The slug, number and DSN stay: SDKs
     * are configured with them.
     */
    async update(orgId: string, slug: string, patch: ProjectPatch): Promise<Project> {
      const result = await db.transaction().execute(async (trx) => {
        const row = await bySlug(trx, orgId, slug);
        const next = {
          ...row,
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.platform === undefined ? {} : { platform: patch.platform }),
          // Other options (digests, …) are kept as they are.
          ...(patch.rateLimit === undefined
            ? {}
            : { options: JSON.stringify({ ...parseJsonObject(row.options), rateLimit: patch.rateLimit }) }),
        };
        await trx
          .updateTable('projects')
          .set({ name: next.name, platform: next.platform, options: next.options })
          .where('id', '=', row.id)
          .execute();
        if (patch.teamIds !== undefined) {
          const teamIds = [...new Set(patch.teamIds)];
          await assertTeams(trx, orgId, teamIds);
          await trx.deleteFrom('project_teams').where('project_id', '=', row.id).execute();
          if (teamIds.length > 0) {
            await trx
              .insertInto('project_teams')
              .values(teamIds.map((team_id) => ({ project_id: row.id, team_id })))
              .execute();
          }
        }
        return next;
      });
      deps.references?.forgetProject(result.id);
      deps.onChanged?.(result.id);
      const teams = await teamIdsOf([result.id]);
      return toProject(result, teams.get(result.id) ?? []);
    },

    /** The project with this slug in this organization, or 404. */
    async get(orgId: string, slug: string): Promise<Project> {
      const row = await bySlug(db, orgId, slug);
      const teams = await teamIdsOf([row.id]);
      return toProject(row, teams.get(row.id) ?? []);
    },

    /**
     * Deletes the project: gone at once from every list and lookup, its DSN and ingest paths answering as
     * for an unknown project, nothing more sent about it, its slug free for a new project; its data is
     * purged in the background (see deleteProject). Other processes stop accepting its events within 5 s
     * and stop evaluating and notifying for it within 2 s (what they keep of a project); this one at once.
     * A second deletion, like an unknown slug, is a 404 naming it.
     */
    async remove(orgId: string, slug: string): Promise<void> {
      const now = clock.now();
      const { id, jobIds } = await db.transaction().execute(async (trx) => {
        const row = await bySlug(trx, orgId, slug);
        return { id: row.id, jobIds: await deleteProject(trx, row, now) };
      });
      deps.references?.forgetProject(id);
      deps.onChanged?.(id);
      deps.onJobsCommitted?.(jobIds);
    },
  };
}

/** The projects service. */
export type Projects = ReturnType<typeof projects>;
