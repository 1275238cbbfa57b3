import { ConflictError, ValidationError } from '../errors.js';
import { newId } from '../ids.js';
import { isUniqueViolation } from '../store/store.js';
import { iso, type TenancyDeps } from './context.js';

/** A team as the API shows it. */
export interface Team {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly memberIds: string[];
  readonly createdAt: string;
}

/** Teams of an organization, with their members (who must be members of the organization). */
export function teams(deps: TenancyDeps) {
  const { db, clock } = deps;

  return {
    async create(
      orgId: string,
      input: { slug: string; name?: string | undefined; memberIds?: readonly string[] | undefined },
    ): Promise<Team> {
      const now = clock.now();
      const memberIds = [...new Set(input.memberIds ?? [])];
      return db.transaction().execute(async (trx) => {
        if (memberIds.length > 0) {
          const found = await trx
            .selectFrom('members')
            .select('user_id')
            .where('org_id', '=', orgId)
            .where('user_id', 'in', memberIds)
            .execute();
          const known = new Set(found.map((r) => r.user_id));
          const problems = memberIds.flatMap((id, i) =>
            known.has(id)
              ? []
              : [{ path: `memberIds.${i}`, message: `${id} is not a member of this organization` }],
          );
          if (problems.length > 0) throw new ValidationError(problems);
        }
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
