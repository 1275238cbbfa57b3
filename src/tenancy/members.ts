import type { Kysely, Transaction } from 'kysely';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { Database } from '../store/schema.js';
import { isUniqueViolation } from '../store/store.js';
import { iso, type Principal, type TenancyDeps } from './context.js';

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

/**
 * A change to a membership: only what belongs to it. A person's name, email, language and zone are theirs
 * in every organization and are not changed through one of them.
 */
export interface MemberPatch {
  readonly role: MemberRole;
}

/** Statuses of a delivery that has not been sent yet and will not be unless something sends it. */
export const WAITING_STATUSES = ['pending', 'deferred', 'failed', 'digested'] as const;

/** Why a delivery to someone outside the organization is not sent: the history's `lastError`. */
function notMemberProblem(userId: string): string {
  return `${userId} is not a member of this organization`;
}

/**
 * Takes the organization's row lock for the rest of the transaction, so that changes to who is in the
 * organization and its teams run one after the other (two owners demoting each other at once would
 * otherwise both see the other still an owner). SQLite runs one transaction at a time anyway.
 */
export async function lockOrganization(trx: Transaction<Database>, orgId: string): Promise<void> {
  await trx
    .updateTable('organizations')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', orgId)
    .execute();
}

/**
 * Removes a person from the owners of every ownership rule of the organization's projects: owners are
 * read by id, and someone who comes back must not find themselves an owner again.
 */
async function dropOwner(
  trx: Transaction<Database>,
  orgId: string,
  owner: { readonly type: 'user'; readonly id: string },
  now: number,
): Promise<void> {
  const rows = await trx
    .selectFrom('ownership_rules')
    .innerJoin('projects', 'projects.id', 'ownership_rules.project_id')
    .select(['ownership_rules.project_id', 'ownership_rules.position', 'ownership_rules.owners'])
    .where('projects.org_id', '=', orgId)
    .where('ownership_rules.owners', 'like', `%${owner.id}%`)
    .execute();
  for (const row of rows) {
    const owners = JSON.parse(row.owners) as { type?: unknown; id?: unknown }[];
    const kept = owners.filter((o) => !(o.type === owner.type && o.id === owner.id));
    if (kept.length === owners.length) continue;
    // A rule left without owners is kept: as its last match it still says that nobody owns the event.
    await trx
      .updateTable('ownership_rules')
      .set({ owners: JSON.stringify(kept), updated_at: now })
      .where('project_id', '=', row.project_id)
      .where('position', '=', row.position)
      .execute();
  }
}

/** Unassigns the organization's issues assigned to this user or team (no workflow notification). */
export async function unassignIssues(
  trx: Transaction<Database>,
  orgId: string,
  assignee: { readonly type: 'user' | 'team'; readonly id: string },
  now: number,
): Promise<void> {
  await trx
    .updateTable('issues')
    .set({ assignee_type: null, assignee_id: null, updated_at: now })
    .where('org_id', '=', orgId)
    .where('assignee_type', '=', assignee.type)
    .where('assignee_id', '=', assignee.id)
    .execute();
}

/** What the members service needs. */
export interface MembersDeps extends TenancyDeps {
  /**
   * Told once a removal committed, so the stages that keep who is a member for a moment (the delivery
   * stage) drop their copy at once.
   */
  readonly onMemberRemoved?: (orgId: string) => void;
}

/** Members of organizations; users are global and found by email. */
export function members(deps: MembersDeps) {
  const { db, clock } = deps;

  return {
    /**
     * Adds a user (created when the email is new) to the organization. Only owners add an owner (a
     * personal token of an admin is refused), as only they make one.
     */
    async add(
      orgId: string,
      input: AddMemberInput,
      principal: Principal = { kind: 'admin' },
    ): Promise<Member> {
      const now = clock.now();
      const email = input.email.trim().toLowerCase();
      return db.transaction().execute(async (trx) => {
        await assertMayManage(trx, principal, orgId, null, input.role ?? 'member');
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

    /**
     * Changes a member's role. Only owners make owners or change an owner (a personal token of an admin
     * is refused); the last owner cannot be demoted (409).
     */
    async update(principal: Principal, orgId: string, userId: string, patch: MemberPatch): Promise<Member> {
      return db.transaction().execute(async (trx) => {
        await lockOrganization(trx, orgId);
        const member = await memberRow(trx, orgId, userId);
        if (member.role === patch.role) return member;
        await assertMayManage(trx, principal, orgId, member.role, patch.role);
        if (member.role === 'owner') {
          await assertNotLastOwner(trx, orgId, member, {
            path: 'role',
            message: 'cannot change the role of the last owner of the organization',
          });
        }
        await trx
          .updateTable('members')
          .set({ role: patch.role })
          .where('org_id', '=', orgId)
          .where('user_id', '=', userId)
          .execute();
        return { ...member, role: patch.role };
      });
    },

    /**
     * Ends a membership, and with it everything the person had in the organization: their place in its
     * teams, the issues assigned to them (unassigned), their subscriptions to its issues, their
     * notification settings scoped to it, its projects or teams, their snoozes of its rules, their place
     * among its projects' issue owners, and the deliveries waiting for them (suppressed, `unroutable`).
     * Rules that name them are kept: a firing records why nothing went to them, and saving one again
     * says that the id is not a member. The last owner cannot be removed (409).
     */
    async remove(principal: Principal, orgId: string, userId: string): Promise<void> {
      const now = clock.now();
      await db.transaction().execute(async (trx) => {
        await lockOrganization(trx, orgId);
        const member = await memberRow(trx, orgId, userId);
        await assertMayManage(trx, principal, orgId, member.role, member.role);
        if (member.role === 'owner') {
          await assertNotLastOwner(trx, orgId, member, {
            path: 'userId',
            message: 'is the last owner of the organization; make another member an owner first',
          });
        }
        const orgTeams = trx.selectFrom('teams').select('id').where('org_id', '=', orgId);
        const orgProjects = trx.selectFrom('projects').select('id').where('org_id', '=', orgId);
        await trx
          .deleteFrom('team_members')
          .where('user_id', '=', userId)
          .where('team_id', 'in', orgTeams)
          .execute();
        await unassignIssues(trx, orgId, { type: 'user', id: userId }, now);
        await trx
          .deleteFrom('issue_subscriptions')
          .where('user_id', '=', userId)
          .where('issue_id', 'in', trx.selectFrom('issues').select('id').where('org_id', '=', orgId))
          .execute();
        await trx
          .deleteFrom('notification_settings')
          .where('owner_type', '=', 'user')
          .where('owner_id', '=', userId)
          .where((eb) =>
            eb.or([
              eb.and([eb('scope_type', '=', 'organization'), eb('scope_id', '=', orgId)]),
              eb.and([eb('scope_type', '=', 'project'), eb('scope_id', 'in', orgProjects)]),
              eb.and([eb('scope_type', '=', 'team'), eb('scope_id', 'in', orgTeams)]),
            ]),
          )
          .execute();
        await trx
          .deleteFrom('rule_snoozes')
          .where('target', '=', userId)
          .where('rule_id', 'in', trx.selectFrom('rules').select('id').where('org_id', '=', orgId))
          .execute();
        await dropOwner(trx, orgId, { type: 'user', id: userId }, now);
        // What waits for them (quiet hours, retries, digests) is not sent: a digest left with nothing
        // is dropped when it comes due.
        await trx
          .updateTable('deliveries')
          .set({
            status: 'suppressed',
            reason: 'unroutable',
            last_error: notMemberProblem(userId),
            next_attempt_at: null,
            updated_at: now,
          })
          .where('recipient_type', '=', 'user')
          .where('recipient_id', '=', userId)
          .where('org_id', '=', orgId)
          .where('status', 'in', [...WAITING_STATUSES])
          .execute();
        await trx.deleteFrom('members').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
      });
      deps.onMemberRemoved?.(orgId);
    },

    async list(orgId: string): Promise<Member[]> {
      const rows = await memberRows(db, orgId).orderBy('members.created_at').orderBy('users.id').execute();
      return rows.map(toMember);
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

/** The organization's members with what the API shows of each, to narrow and order. */
function memberRows(db: Kysely<Database> | Transaction<Database>, orgId: string) {
  return db
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
    .where('members.org_id', '=', orgId);
}

function toMember(row: {
  userId: string;
  email: string;
  name: string;
  locale: string;
  timezone: string;
  role: string;
  created_at: number;
}): Member {
  return {
    userId: row.userId,
    email: row.email,
    name: row.name,
    role: row.role as MemberRole,
    locale: row.locale,
    timezone: row.timezone,
    createdAt: iso(row.created_at),
  };
}

/** The member as the API shows it, or 404 (not a member here, whichever organization they are in). */
async function memberRow(trx: Transaction<Database>, orgId: string, userId: string): Promise<Member> {
  const row = await memberRows(trx, orgId).where('members.user_id', '=', userId).executeTakeFirst();
  if (!row) throw new NotFoundError('Member');
  return toMember(row);
}

/**
 * Owners are managed by owners only: a person acting with their own token who is not an owner may not
 * change or remove an owner, nor make anyone one (Sentry's rule that nobody grants more than they have).
 * The admin token and the organization's API keys act for the whole organization.
 */
async function assertMayManage(
  trx: Transaction<Database>,
  principal: Principal,
  orgId: string,
  current: MemberRole | null,
  role: MemberRole,
): Promise<void> {
  if (principal.kind !== 'user' || (current !== 'owner' && role !== 'owner')) return;
  const caller = await trx
    .selectFrom('members')
    .select('role')
    .where('org_id', '=', orgId)
    .where('user_id', '=', principal.userId)
    .executeTakeFirst();
  if (caller?.role === 'owner') return;
  throw new ForbiddenError(
    current === 'owner'
      ? 'Only owners can change or remove an owner'
      : 'Only owners can make a member an owner',
  );
}

/** 409 when `member` is the organization's only owner. */
async function assertNotLastOwner(
  trx: Transaction<Database>,
  orgId: string,
  member: Member,
  problem: { readonly path: string; readonly message: string },
): Promise<void> {
  const others = await trx
    .selectFrom('members')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .where('user_id', '!=', member.userId)
    .limit(1)
    .executeTakeFirst();
  if (others) return;
  throw new ConflictError(
    `${member.email} is the last owner of the organization: make another member an owner first`,
    [problem],
  );
}
