import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { PushContent } from '../delivery/channels/push/push-content.js';
import { NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { Database, PushSubscriptionTable } from '../store/schema.js';
import { iso } from '../tenancy/context.js';
import type { TargetCheck } from '../tenancy/integrations.js';

const base64url = /^[A-Za-z0-9_-]+={0,2}$/;

/** The body of `POST /api/v1/me/push-subscriptions`: a browser's `PushSubscription.toJSON()`. */
export const pushSubscriptionInputSchema = z.object({
  endpoint: z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048),
  keys: z.object({
    p256dh: z
      .string()
      .regex(base64url, 'must be base64url')
      .refine((v) => {
        const point = Buffer.from(v, 'base64url');
        return point.length === 65 && point[0] === 4;
      }, 'must be an uncompressed P-256 public key (65 bytes)'),
    auth: z
      .string()
      .regex(base64url, 'must be base64url')
      .refine((v) => Buffer.from(v, 'base64url').length === 16, 'must be 16 bytes'),
  }),
  /** What `expirationTime` browsers send is accepted and not used. */
  expirationTime: z.number().nullable().optional(),
});

/** A push subscription input. */
export type PushSubscriptionInput = z.infer<typeof pushSubscriptionInputSchema>;

/** A subscription as its owner sees it; the keys stay on the server. */
export interface PushSubscriptionView {
  readonly id: string;
  readonly endpoint: string;
  readonly userAgent: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** One browser to push to, as the delivery stage needs it. */
export interface PushTarget {
  readonly id: string;
  readonly subscription: PushContent['subscription'];
}

const toView = (row: PushSubscriptionTable): PushSubscriptionView => ({
  id: row.id,
  endpoint: row.endpoint,
  userAgent: row.user_agent,
  createdAt: iso(row.created_at),
  lastUsedAt: iso(row.last_used_at),
});

/** People's web push subscriptions: saved from the browser, read by the delivery stage. */
export function pushSubscriptions(deps: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Refuses endpoints on private addresses unless the installation allows them. */
  readonly checkTarget: TargetCheck;
  /** The installation's VAPID public key, which browsers subscribe with. */
  readonly vapidPublicKey: string;
}) {
  const { db, clock } = deps;

  return {
    vapidPublicKey: deps.vapidPublicKey,

    /**
     * Saves a browser's subscription for the user. An endpoint is one browser profile: saving it again
     * updates its keys, and a browser now used by someone else moves to them.
     */
    async subscribe(
      userId: string,
      input: PushSubscriptionInput,
      userAgent: string | null,
    ): Promise<PushSubscriptionView> {
      await deps.checkTarget(input.endpoint, 'endpoint');
      const now = clock.now();
      const row: PushSubscriptionTable = {
        id: newId('psub', now),
        user_id: userId,
        endpoint: input.endpoint,
        p256dh: input.keys.p256dh,
        auth: input.keys.auth,
        user_agent: userAgent?.slice(0, 512) ?? null,
        created_at: now,
        last_used_at: null,
      };
      await db
        .insertInto('push_subscriptions')
        .values(row)
        .onConflict((oc) =>
          oc.column('endpoint').doUpdateSet({
            user_id: row.user_id,
            p256dh: row.p256dh,
            auth: row.auth,
            user_agent: row.user_agent,
          }),
        )
        .execute();
      const saved = await db
        .selectFrom('push_subscriptions')
        .selectAll()
        .where('endpoint', '=', input.endpoint)
        .executeTakeFirstOrThrow();
      return toView(saved);
    },

    async list(userId: string): Promise<PushSubscriptionView[]> {
      const rows = await db
        .selectFrom('push_subscriptions')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute();
      return rows.map(toView);
    },

    /** Removes one of the user's subscriptions; another user's is 404, as a missing one. */
    async remove(userId: string, id: string): Promise<void> {
      const result = await db
        .deleteFrom('push_subscriptions')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new NotFoundError('Push subscription');
    },

    /** Every browser the user receives web push on: one push delivery per target. */
    async pushTargets(userId: string): Promise<PushTarget[]> {
      const rows = await db
        .selectFrom('push_subscriptions')
        .select(['id', 'endpoint', 'p256dh', 'auth'])
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        subscription: { endpoint: r.endpoint, keys: { p256dh: r.p256dh, auth: r.auth } },
      }));
    },

    /** Forgets an endpoint the push service answered 404/410 for; true when one was removed. */
    async removePushSubscription(endpoint: string): Promise<boolean> {
      const result = await db
        .deleteFrom('push_subscriptions')
        .where('endpoint', '=', endpoint)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** Records a successful push, so people can tell live browsers from stale ones. */
    async markUsed(endpoint: string): Promise<void> {
      await db
        .updateTable('push_subscriptions')
        .set({ last_used_at: clock.now() })
        .where('endpoint', '=', endpoint)
        .execute();
    },
  };
}

/** The push subscriptions service. */
export type PushSubscriptions = ReturnType<typeof pushSubscriptions>;

/**
 * The delivery stage's hooks for web push: one send per browser of the person (none saved: unroutable),
 * and a browser the push service calls gone (404/410) is forgotten.
 */
export function pushDeliveryHooks(push: PushSubscriptions) {
  return {
    async personalContent(channel: string, userId: string): Promise<Record<string, unknown>[] | null> {
      if (channel !== 'push') return null;
      return (await push.pushTargets(userId)).map((t) => ({ subscription: t.subscription }));
    },
    async onTargetGone(_delivery: unknown, content: Record<string, unknown>): Promise<void> {
      const subscription = content['subscription'];
      const endpoint =
        typeof subscription === 'object' && subscription !== null && 'endpoint' in subscription
          ? subscription.endpoint
          : undefined;
      if (typeof endpoint === 'string') await push.removePushSubscription(endpoint);
    },
  };
}
