import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { enqueueJobs, type JobInput } from '../queue/queue.js';
import type { Database, ReleaseTable } from '../store/schema.js';
import { isUniqueViolation } from '../store/store.js';
import { iso } from '../tenancy/context.js';

/** A version as Sentry accepts it: no slashes or whitespace (it is a path segment), never `latest`. */
export const releaseVersionSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s/\\]+$/, 'must not contain slashes or whitespace')
  .refine((v) => v !== '.' && v !== '..' && v.toLowerCase() !== 'latest', 'is a reserved name');

/** One commit of a release. */
export const releaseCommitSchema = z.strictObject({
  id: z.string().trim().min(1).max(100),
  message: z.string().max(10_000).optional(),
  authorEmail: z.email().max(320).optional(),
  authorName: z.string().max(200).optional(),
});

/** The body of `POST …/releases`. */
export const createReleaseSchema = z.strictObject({
  version: releaseVersionSchema,
  commits: z
    .array(releaseCommitSchema)
    .max(1000)
    .refine((list) => new Set(list.map((c) => c.id)).size === list.length, 'Each commit id may appear once')
    .optional(),
});

/** An environment name of a deploy. */
export const environmentSchema = z.string().trim().min(1).max(64);

/** A release as the API shows it. */
export interface Release {
  readonly id: string;
  readonly projectId: string;
  readonly version: string;
  readonly createdAt: string;
  readonly commits: {
    id: string;
    message: string | null;
    authorEmail: string | null;
    authorName: string | null;
  }[];
  readonly deploys: Deploy[];
}

/** A deploy as the API shows it. */
export interface Deploy {
  readonly id: string;
  readonly environment: string;
  readonly createdAt: string;
}

/** What the deploy callback learns once the deploy is stored. */
export interface DeployInfo {
  readonly orgId: string;
  readonly projectId: string;
  readonly releaseId: string;
  readonly version: string;
  readonly deployId: string;
  readonly environment: string;
  readonly createdAt: number;
}

/** What `latestRelease` answers: the release the `latest_release` filter compares with. */
export interface LatestRelease {
  readonly id: string;
  readonly version: string;
  /** When it was created, or deployed to the environment asked for. */
  readonly at: number;
}

/**
 * The job that tells a deploy's people (its `payload` is the {@link DeployInfo}), written with the deploy
 * in one transaction: a process that dies once the deploy is stored still has it told, by the next
 * worker. Its id is the deploy's, so it is written once.
 */
export function deployJob(info: DeployInfo): JobInput {
  return { id: `deploy_${info.deployId}`, kind: 'deploy', payload: { ...info }, runAt: info.createdAt };
}

/** Releases of projects, their commits and deploys. */
export function releases(deps: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Told the ids of the jobs a committed deploy wrote (its notification's, see {@link deployJob}). */
  readonly onJobsCommitted?: ((ids: string[]) => void) | undefined;
}) {
  const { db, clock } = deps;

  async function view(rows: ReleaseTable[]): Promise<Release[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const commits = await db
      .selectFrom('release_commits')
      .selectAll()
      .where('release_id', 'in', ids)
      .orderBy('position')
      .execute();
    const deploys = await db
      .selectFrom('deploys')
      .selectAll()
      .where('release_id', 'in', ids)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      projectId: r.project_id,
      version: r.version,
      createdAt: iso(r.created_at),
      commits: commits
        .filter((c) => c.release_id === r.id)
        .map((c) => ({
          id: c.commit_id,
          message: c.message,
          authorEmail: c.author_email,
          authorName: c.author_name,
        })),
      deploys: deploys
        .filter((d) => d.release_id === r.id)
        .map((d) => ({ id: d.id, environment: d.environment, createdAt: iso(d.created_at) })),
    }));
  }

  const byVersion = (projectId: string, version: string) =>
    db
      .selectFrom('releases')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('version', '=', version)
      .execute();

  return {
    /** Creates a release with its commits; a version the project already has is a 409. */
    async create(
      orgId: string,
      projectId: string,
      input: z.infer<typeof createReleaseSchema>,
    ): Promise<Release> {
      const now = clock.now();
      const row: ReleaseTable = {
        id: newId('rel', now),
        org_id: orgId,
        project_id: projectId,
        version: input.version,
        created_at: now,
      };
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('releases').values(row).execute();
          const commits = input.commits ?? [];
          if (commits.length === 0) return;
          await trx
            .insertInto('release_commits')
            .values(
              commits.map((c, position) => ({
                release_id: row.id,
                commit_id: c.id,
                position,
                message: c.message ?? null,
                author_email: c.authorEmail?.toLowerCase() ?? null,
                author_name: c.authorName ?? null,
              })),
            )
            .execute();
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new ConflictError(`Release ${input.version} already exists`, [
          { path: 'version', message: 'exists' },
        ]);
      }
      const [release] = await view([row]);
      return release!;
    },

    /** A project's releases, newest first. */
    async list(projectId: string): Promise<Release[]> {
      const rows = await db
        .selectFrom('releases')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(100)
        .execute();
      return view(rows);
    },

    /** One release of the project by its version, with its commits and deploys; 404 when missing. */
    async get(projectId: string, version: string): Promise<Release> {
      const [release] = await view(await byVersion(projectId, version));
      if (!release) throw new NotFoundError('Release');
      return release;
    },

    /** Records a deploy of a release of the project, with the job that tells its people. */
    async deploy(orgId: string, projectId: string, version: string, environment: string): Promise<Deploy> {
      const [release] = await byVersion(projectId, version);
      if (!release) throw new NotFoundError('Release');
      const now = clock.now();
      const row = { id: newId('dep', now), release_id: release.id, environment, created_at: now };
      const info: DeployInfo = {
        orgId,
        projectId,
        releaseId: release.id,
        version,
        deployId: row.id,
        environment,
        createdAt: now,
      };
      const ids = await db.transaction().execute(async (trx) => {
        await trx.insertInto('deploys').values(row).execute();
        return enqueueJobs(trx, [deployJob(info)], now);
      });
      deps.onJobsCommitted?.(ids);
      return { id: row.id, environment, createdAt: iso(now) };
    },

    /**
     * The project's latest release: the newest created, or, for an environment, the one deployed there
     * last. Null when there is none (the `latest_release` filter then never passes).
     */
    async latestRelease(projectId: string, environment?: string | null): Promise<LatestRelease | null> {
      if (environment === undefined || environment === null) {
        const row = await db
          .selectFrom('releases')
          .select(['id', 'version', 'created_at'])
          .where('project_id', '=', projectId)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .executeTakeFirst();
        return row ? { id: row.id, version: row.version, at: row.created_at } : null;
      }
      const row = await db
        .selectFrom('deploys')
        .innerJoin('releases', 'releases.id', 'deploys.release_id')
        .select(['releases.id', 'releases.version', 'deploys.created_at'])
        .where('releases.project_id', '=', projectId)
        .where('deploys.environment', '=', environment)
        .orderBy('deploys.created_at', 'desc')
        .orderBy('deploys.id', 'desc')
        .executeTakeFirst();
      return row ? { id: row.id, version: row.version, at: row.created_at } : null;
    },
  };
}

/** The releases service. */
export type Releases = ReturnType<typeof releases>;
