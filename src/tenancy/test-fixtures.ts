import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/** What {@link insertOrgAndProject} writes; names default to the slugs. */
export interface OrgAndProject {
  readonly orgId: string;
  readonly orgSlug: string;
  readonly orgName?: string;
  readonly projectId: string;
  readonly projectSlug: string;
  readonly projectName?: string;
  /** created_at (and the organization's updated_at); default 0. */
  readonly at?: number;
}

/** Writes an organization and one project of it straight to the database, for tests below the API. */
export async function insertOrgAndProject(db: Kysely<Database>, rows: OrgAndProject): Promise<void> {
  const at = rows.at ?? 0;
  await db
    .insertInto('organizations')
    .values({
      id: rows.orgId,
      slug: rows.orgSlug,
      name: rows.orgName ?? rows.orgSlug,
      options: '{}',
      created_at: at,
      updated_at: at,
    })
    .execute();
  await db
    .insertInto('projects')
    .values({
      id: rows.projectId,
      org_id: rows.orgId,
      slug: rows.projectSlug,
      name: rows.projectName ?? rows.projectSlug,
      number: 1,
      dsn_key: 'k',
      platform: null,
      options: '{}',
      created_at: at,
    })
    .execute();
}
