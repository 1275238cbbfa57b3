import type { Kysely } from 'kysely';
import { NotFoundError } from '../errors.js';
import { parseJsonObject } from '../store/json.js';
import type { Database } from '../store/schema.js';
import { actsForOrg, type Principal } from '../tenancy/context.js';
import type { IngestTarget } from './ingest.js';
import { type IngestRateLimit, rateLimitOf } from './ingest-limit.js';

/**
 * A project as ingest finds it: where events go, the DSN key Sentry SDKs authenticate with, and its
 * ingest limit.
 */
export interface EventProject extends IngestTarget {
  readonly dsnKey: string;
  readonly rateLimit: IngestRateLimit;
}

/**
 * How long a found project is remembered; ingest asks for the same few projects thousands of times a
 * second. A project deleted through another process is still accepted here for up to this long (as a
 * revoked API key is), through this one never; a changed ingest limit likewise.
 */
const CACHE_MS = 5_000;
const CACHE_SIZE = 1000;

/**
 * Finds the project of an ingest request in one query, by slugs (API) or by number (Sentry SDKs). Found
 * projects are remembered briefly (slugs, numbers, owners and DSN keys do not change under a project,
 * which only a deletion ends; its ingest limit may, and a change here forgets it); misses are not, so a
 * project created a moment ago is found at once. A deleted project is not found, as an unknown one.
 */
export function eventProjects(db: Kysely<Database>, now: () => number = Date.now) {
  const cache = new Map<string, { project: EventProject; until: number }>();
  const cached = async (key: string, find: () => Promise<EventProject | undefined>) => {
    const hit = cache.get(key);
    const t = now();
    if (hit && hit.until > t) return hit.project;
    const project = await find();
    if (project) {
      if (cache.size >= CACHE_SIZE) cache.clear();
      cache.set(key, { project, until: t + CACHE_MS });
    }
    return project;
  };
  const base = () =>
    db
      .selectFrom('projects')
      .innerJoin('organizations', 'organizations.id', 'projects.org_id')
      .select([
        'projects.id as projectId',
        'projects.org_id as orgId',
        'projects.dsn_key as dsnKey',
        'projects.options as options',
      ])
      .where('projects.deleted_at', 'is', null);
  const toProject = (
    row: { projectId: string; orgId: string; dsnKey: string; options: string } | undefined,
  ): EventProject | undefined =>
    row && {
      projectId: row.projectId,
      orgId: row.orgId,
      dsnKey: row.dsnKey,
      rateLimit: rateLimitOf(parseJsonObject(row.options)),
    };

  return {
    /** The project `org/project` if the caller may see it; 404 otherwise (another org's looks missing). */
    async bySlug(principal: Principal, org: string, project: string): Promise<EventProject> {
      const found = await cached(`slug ${org} ${project}`, () =>
        base()
          .where('organizations.slug', '=', org)
          .where('projects.slug', '=', project)
          .executeTakeFirst()
          .then(toProject),
      );
      if (!found || !actsForOrg(principal, found.orgId)) throw new NotFoundError('Project');
      return found;
    },

    /** The project with this numeric id (the last part of a DSN), or undefined. */
    async byNumber(number: number): Promise<EventProject | undefined> {
      return cached(`number ${number}`, () =>
        base().where('projects.number', '=', number).executeTakeFirst().then(toProject),
      );
    },

    /**
     * Forgets a project deleted or changed through this process: its events are refused, or held to its
     * new limit, from now on.
     */
    forget(projectId: string): void {
      for (const [key, hit] of cache) if (hit.project.projectId === projectId) cache.delete(key);
    },
  };
}

/** The project finder of ingest. */
export type EventProjects = ReturnType<typeof eventProjects>;
