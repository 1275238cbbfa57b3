import { ConflictError } from '../errors.js';
import { newId } from '../ids.js';
import { isUniqueViolation } from '../store/store.js';
import { iso, type TenancyDeps } from './context.js';

/** Member roles, most powerful first. */
export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;

/** One of {@link MEMBER_ROLES}. */
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** A member as the API shows it: the user and their role in the organization. */
export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly role: MemberRole;
  readonly locale: string;
  readonly timezone: string;
  readonly createdAt: string;
}

/** Input for adding a member. */
export interface AddMemberInput {
  readonly email: string;
  readonly name?: string | undefined;
  readonly role?: MemberRole | undefined;
  readonly locale?: string | undefined;
  readonly timezone?: string | undefined;
}

/** Members of organizations; users are global and found by email. */
export function members(deps: TenancyDeps) {
  const { db, clock } = deps;

  return {
    /** Adds a user (created when the email is new) to the organization. */
    async add(orgId: string, input: AddMemberInput): Promise<Member> {
      const now = clock.now();
      const email = input.email.trim().toLowerCase();
      return db.transaction().execute(async (trx) => {
        let user = await trx.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
        if (!user) {
          user = {
            id: newId('usr', now),
            email,
            name: input.name ?? email.split('@')[0] ?? email,
            locale: input.locale ?? 'en',
            timezone: input.timezone ?? 'UTC',
            created_at: now,
            last_active_at: null,
          };
          await trx.insertInto('users').values(user).execute();
        }
        const role = input.role ?? 'member';
        try {
          await trx
            .insertInto('members')
            .values({ org_id: orgId, user_id: user.id, role, created_at: now })
            .execute();
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw new ConflictError(`${email} is already a member`, [
              { path: 'email', message: 'is already a member' },
            ]);
          }
          throw error;
        }
        return {
          userId: user.id,
          email: user.email,
          name: user.name,
          role,
          locale: user.locale,
          timezone: user.timezone,
          createdAt: iso(now),
        };
      });
    },

    async list(orgId: string): Promise<Member[]> {
      const rows = await db
        .selectFrom('members')
        .innerJoin('users', 'users.id', 'members.user_id')
        .select([
          'users.id as userId',
          'users.email',
          'users.name',
          'users.locale',
          'users.timezone',
          'members.role',
          'members.created_at',
        ])
        .where('members.org_id', '=', orgId)
        .orderBy('members.created_at')
        .orderBy('users.id')
        .execute();
      return rows.map((r) => ({
        userId: r.userId,
        email: r.email,
        name: r.name,
        role: r.role as MemberRole,
        locale: r.locale,
        timezone: r.timezone,
        createdAt: iso(r.created_at),
      }));
    },

    /** The subset of `userIds` that are members of the organization. */
    async filterMembers(orgId: string, userIds: readonly string[]): Promise<Set<string>> {
      if (userIds.length === 0) return new Set();
      const rows = await db
        .selectFrom('members')
        .select('user_id')
        .where('org_id', '=', orgId)
        .where('user_id', 'in', [...userIds])
        .execute();
      return new Set(rows.map((r) => r.user_id));
    },
  };
}

/** The members service. */
export type Members = ReturnType<typeof members>;
