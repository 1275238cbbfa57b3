import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { liveIssue } from '../events/live-issue.js';
import type { HeldOnChange } from '../people/notification-settings.js';
import { enqueueJobs } from '../queue/queue.js';
import type { Database } from '../store/schema.js';
import { actsForOrg, type Principal } from '../tenancy/context.js';

/** Why a person follows an issue; `explicit` is their own choice, the rest follow from what they did. */
export const SUBSCRIPTION_REASONS = [
  'assigned',
  'commented',
  'bookmarked',
  'resolved',
  'participated',
  'explicit',
] as const;

/** One of {@link SUBSCRIPTION_REASONS}. */
export type SubscriptionReason = (typeof SUBSCRIPTION_REASONS)[number];

/** A person's subscription state on an issue, as the API shows it. */
export interface Subscription {
  readonly issueId: string;
  readonly userId: string;
  readonly subscribed: boolean;
  readonly reason: string;
}

/**
 * Subscribes a person to an issue, in `db` (a transaction of the change that subscribes them, when there is
 * one). An automatic reason (assigned, commented, …) never overrides an explicit unsubscribe, nor the
 * reason of an existing subscription; `explicit` overrides both.
 */
export async function writeSubscription(
  db: Kysely<Database>,
  issueId: string,
  userId: string,
  reason: SubscriptionReason,
  now: number,
): Promise<void> {
  await db
    .insertInto('issue_subscriptions')
    .values({ issue_id: issueId, user_id: userId, reason, subscribed: 1, created_at: now, updated_at: now })
    .onConflict((oc) => {
      const target = oc.columns(['issue_id', 'user_id']);
      return reason === 'explicit'
        ? target.doUpdateSet({ subscribed: 1, reason, updated_at: now })
        : target.doNothing();
    })
    .execute();
}

/** What the subscriptions service needs. */
export interface SubscriptionsDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /**
   * Decides again, in the unsubscribe's transaction, what waits for the person (throttle/held-on-change.ts):
   * a workflow message about the issue held for their quiet hours or in a digest is suppressed at once
   * (`unsubscribed`), not when it would have been released.
   */
  readonly heldOnChange?: HeldOnChange;
  readonly onJobsCommitted?: (ids: string[]) => void;
}

/** Issue subscriptions: what makes workflow notifications reach people with `subscribe_only`. */
export function subscriptions(deps: SubscriptionsDeps) {
  const { db, clock } = deps;

  async function read(issueId: string, userId: string): Promise<Subscription> {
    const row = await db
      .selectFrom('issue_subscriptions')
      .select(['reason', 'subscribed'])
      .where('issue_id', '=', issueId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return {
      issueId,
      userId,
      subscribed: row ? Number(row.subscribed) === 1 : false,
      reason: row?.reason ?? 'none',
    };
  }

  /**
   * Subscribes a person (see {@link writeSubscription}) and answers their state.
   */
  async function subscribe(
    issueId: string,
    userId: string,
    reason: SubscriptionReason,
  ): Promise<Subscription> {
    await writeSubscription(db, issueId, userId, reason, clock.now());
    return read(issueId, userId);
  }

  /**
   * Records an explicit unsubscribe: it outlasts later automatic subscriptions and `always` settings.
   * What waits for the person is decided again in the same transaction, as after a change of settings.
   */
  async function unsubscribe(issueId: string, userId: string): Promise<Subscription> {
    const now = clock.now();
    const write = (trx: Transaction<Database>) =>
      trx
        .insertInto('issue_subscriptions')
        .values({
          issue_id: issueId,
          user_id: userId,
          reason: 'explicit',
          subscribed: 0,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc
            .columns(['issue_id', 'user_id'])
            .doUpdateSet({ subscribed: 0, reason: 'explicit', updated_at: now }),
        )
        .execute()
        .then(() => undefined);
    const { heldOnChange } = deps;
    const ids = await db.transaction().execute(async (trx) => {
      if (!heldOnChange) {
        await write(trx);
        return [];
      }
      return enqueueJobs(trx, await heldOnChange(trx, [userId], now, () => write(trx)), now);
    });
    if (ids.length > 0) deps.onJobsCommitted?.(ids);
    return read(issueId, userId);
  }

  /**
   * Whose subscription an API call changes: a personal token's own, or `userId` for the admin token and
   * the issue's org key. Another org's issue and a personal token of a non-member are a 404.
   */
  async function target(principal: Principal, issueId: string, userId: string | undefined): Promise<string> {
    const issue = await liveIssue(db, issueId).select('issues.org_id').executeTakeFirst();
    if (!issue) throw new NotFoundError('Issue');
    let who: string;
    if (principal.kind === 'user') {
      if (userId !== undefined && userId !== principal.userId) throw new NotFoundError('User');
      who = principal.userId;
    } else {
      if (!actsForOrg(principal, issue.org_id)) throw new NotFoundError('Issue');
      if (userId === undefined)
        throw ValidationError.field('userId', 'Required unless a personal token is used');
      who = userId;
    }
    const member = await db
      .selectFrom('members')
      .select('user_id')
      .where('org_id', '=', issue.org_id)
      .where('user_id', '=', who)
      .executeTakeFirst();
    if (member) return who;
    if (principal.kind === 'user') throw new NotFoundError('Issue');
    throw ValidationError.field('userId', 'Not a member of the organization of this issue');
  }

  return {
    subscribe,
    unsubscribe,
    get: read,

    /** `POST /api/v1/issues/{id}/subscription`: an explicit subscribe. */
    async subscribeAs(principal: Principal, issueId: string, userId?: string): Promise<Subscription> {
      return subscribe(issueId, await target(principal, issueId, userId), 'explicit');
    },

    /** `DELETE /api/v1/issues/{id}/subscription`: an explicit unsubscribe. */
    async unsubscribeAs(principal: Principal, issueId: string, userId?: string): Promise<Subscription> {
      return unsubscribe(issueId, await target(principal, issueId, userId));
    },
  };
}

/** The issue subscriptions service. */
export type Subscriptions = ReturnType<typeof subscriptions>;
