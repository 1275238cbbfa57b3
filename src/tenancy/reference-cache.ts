import type { Kysely, Transaction } from 'kysely';
import { type TtlCache, ttlCache } from '../delivery/ttl-cache.js';
import { parseJsonObject } from '../store/json.js';
import type { Database } from '../store/schema.js';
import { orgSignal } from './org-signal.js';

/**
 * How long a reference row is reused. A burst of events for one organization reads its rows once, and
 * a change made by another process (in a cluster the API and the workers share the database) is seen
 * within this time; changes made through this process are seen at once (see {@link ReferenceCache}).
 */
export const REFERENCE_TTL_MS = 2_000;

/** An organization as the pipeline reads it for every event. */
export interface OrganizationReference {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  /** `options.throttle` as stored (unvalidated): the organization's throttle overrides. */
  readonly throttle: unknown;
  /** `options.retries` as stored (unvalidated): the organization's retry settings. */
  readonly retries: unknown;
}

/** A project as the pipeline reads it for every event. */
export interface ProjectReference {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  /** `options.digests` as stored (unvalidated): the project's digest schedule. */
  readonly digests: unknown;
}

/** One integration of an organization, as routing reads it. */
export interface IntegrationReference {
  readonly id: string;
  readonly provider: string;
  readonly status: string;
}

/**
 * The slowly-changing rows every event's notification names or routes by: its organization, its project
 * and the organization's integrations. `trx` is given by a caller inside a transaction.
 */
export interface References {
  /** The organization, or undefined when there is none with this id. */
  organization(orgId: string, trx?: Transaction<Database>): Promise<OrganizationReference | undefined>;
  /** The project, or undefined when there is none with this id (or it was deleted). */
  project(projectId: string, trx?: Transaction<Database>): Promise<ProjectReference | undefined>;
  /** Every integration of the organization, whatever its status, oldest first. */
  integrations(orgId: string, trx?: Transaction<Database>): Promise<readonly IntegrationReference[]>;
}

/**
 * {@link References} kept for {@link REFERENCE_TTL_MS}. Whatever writes one of the kept fields in this
 * process calls the matching `forget…` once its write has committed, so the next event sees the change
 * at once (tests change a setting and ingest immediately); writes by other processes are seen when the
 * entry expires.
 */
export interface ReferenceCache extends References {
  /** After the organization's slug, name or throttle overrides changed. */
  forgetOrganization(orgId: string): void;
  /** After the project's slug, name or digest options changed, or it was deleted. */
  forgetProject(projectId: string): void;
  /** After one of the organization's integrations was created, changed (status included) or deleted. */
  forgetIntegrations(orgId: string): void;
  /** Calls `listener` on every {@link forgetIntegrations}: other stages' copies of integrations. */
  onIntegrationsForgotten(listener: (orgId: string) => void): void;
}

type Db = Kysely<Database> | Transaction<Database>;

/** The references read straight from the database, every time. */
export function referenceReader(db: Kysely<Database>): References {
  return {
    organization: (orgId, trx) => loadOrganization(trx ?? db, orgId),
    project: (projectId, trx) => loadProject(trx ?? db, projectId),
    integrations: (orgId, trx) => loadIntegrations(trx ?? db, orgId),
  };
}

/** The references of {@link referenceReader}, kept for `ttlMs` (wall clock) and forgotten on this process's writes. */
export function referenceCache(db: Kysely<Database>, ttlMs = REFERENCE_TTL_MS): ReferenceCache {
  const organizations = ttlCache<OrganizationReference | undefined>(ttlMs);
  const projects = ttlCache<ProjectReference | undefined>(ttlMs);
  const integrations = ttlCache<readonly IntegrationReference[]>(ttlMs);
  const integrationsChanged = orgSignal();

  /**
   * On SQLite a transaction holds the only connection: a load started by another caller and still waiting
   * for it would never finish, so inside a transaction only an answer that has arrived is taken, else the
   * row is read in the transaction (and not kept; the next read outside one keeps it).
   */
  function read<T>(
    cache: TtlCache<T>,
    key: string,
    load: (db: Db, key: string) => Promise<T>,
    trx: Transaction<Database> | undefined,
  ): Promise<T> {
    if (trx === undefined) return cache.get(key, () => load(db, key));
    const arrived = cache.peek(key);
    return arrived ? Promise.resolve(arrived.value) : load(trx, key);
  }

  return {
    organization: (orgId, trx) => read(organizations, orgId, loadOrganization, trx),
    project: (projectId, trx) => read(projects, projectId, loadProject, trx),
    integrations: (orgId, trx) => read(integrations, orgId, loadIntegrations, trx),
    forgetOrganization: (orgId) => organizations.delete(orgId),
    forgetProject: (projectId) => projects.delete(projectId),
    forgetIntegrations: (orgId) => {
      integrations.delete(orgId);
      integrationsChanged.emit(orgId);
    },
    onIntegrationsForgotten: integrationsChanged.subscribe,
  };
}

async function loadOrganization(db: Db, orgId: string): Promise<OrganizationReference | undefined> {
  const row = await db
    .selectFrom('organizations')
    .select(['id', 'slug', 'name', 'options'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (!row) return undefined;
  const options = parseJsonObject(row.options);
  return { id: row.id, slug: row.slug, name: row.name, throttle: options.throttle, retries: options.retries };
}

async function loadProject(db: Db, projectId: string): Promise<ProjectReference | undefined> {
  const row = await db
    .selectFrom('projects')
    .select(['id', 'slug', 'name', 'options'])
    .where('id', '=', projectId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row && { id: row.id, slug: row.slug, name: row.name, digests: parseJsonObject(row.options).digests };
}

function loadIntegrations(db: Db, orgId: string): Promise<IntegrationReference[]> {
  return db
    .selectFrom('integrations')
    .select(['id', 'provider', 'status'])
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}
