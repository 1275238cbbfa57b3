import { ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { isUniqueViolation } from '../store/store.js';
import { iso, type Principal, type TenancyDeps } from './context.js';
import type { ReferenceCache } from './reference-cache.js';

/** An organization as the API shows it. */
export interface Organization {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Dependencies of the organizations service. */
export interface OrganizationDeps extends TenancyDeps {
  /** The pipeline's cache of organizations: told when one is renamed here. */
  readonly references: ReferenceCache;
}

/** Organizations: create, find (scoped to the caller), rename. */
export function organizations(deps: OrganizationDeps) {
  const { db, clock } = deps;

  const toOrg = (row: {
    id: string;
    slug: string;
    name: string;
    created_at: number;
    updated_at: number;
  }) => ({
    id: row.id,
    slug: row.slug,
    name: row.name,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  });

  const isMember = async (orgId: string, userId: string) =>
    (await db
      .selectFrom('members')
      .select('user_id')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst()) !== undefined;

  return {
    async create(input: { slug: string; name?: string | undefined }): Promise<Organization> {
      const now = clock.now();
      const row = {
        id: newId('org', now),
        slug: input.slug,
        name: input.name ?? input.slug,
        options: '{}',
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('organizations').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError(`An organization with slug "${input.slug}" already exists`, [
            { path: 'slug', message: 'is taken' },
          ]);
        }
        throw error;
      }
      return toOrg(row);
    },

    /**
     * The organization with this slug, if the caller may see it; otherwise 404 (never 403). A personal
     * token reaches the organizations its user is a member of; what it may change there is decided by
     * the member's role (see api/roles.ts).
     */
    async resolve(principal: Principal, slug: string): Promise<Organization> {
      const row = await db
        .selectFrom('organizations')
        .selectAll()
        .where('slug', '=', slug)
        .executeTakeFirst();
      if (!row || (principal.kind === 'org' && principal.orgId !== row.id))
        throw new NotFoundError('Organization');
      if (principal.kind === 'user' && !(await isMember(row.id, principal.userId)))
        throw new NotFoundError('Organization');
      return toOrg(row);
    },

    async list(principal: Principal): Promise<Organization[]> {
      let query = db.selectFrom('organizations').selectAll().orderBy('created_at');
      if (principal.kind === 'org') query = query.where('id', '=', principal.orgId);
      if (principal.kind === 'user') {
        const userId = principal.userId;
        query = query.where(
          'id',
          'in',
          db.selectFrom('members').select('org_id').where('user_id', '=', userId),
        );
      }
      return (await query.execute()).map(toOrg);
    },

    async update(orgId: string, patch: { name?: string | undefined }): Promise<Organization> {
      const now = clock.now();
      await db
        .updateTable('organizations')
        .set({ ...(patch.name === undefined ? {} : { name: patch.name }), updated_at: now })
        .where('id', '=', orgId)
        .execute();
      deps.references.forgetOrganization(orgId);
      const row = await db
        .selectFrom('organizations')
        .selectAll()
        .where('id', '=', orgId)
        .executeTakeFirstOrThrow();
      return toOrg(row);
    },
  };
}

/** The organizations service. */
export type Organizations = ReturnType<typeof organizations>;
