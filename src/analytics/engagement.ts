import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import type { Database } from '../store/schema.js';

/** Kinds of engagement a message can see. */
export const ENGAGEMENT_KINDS = ['open', 'click', 'action'] as const;

/** One of {@link ENGAGEMENT_KINDS}. */
export type EngagementKind = (typeof ENGAGEMENT_KINDS)[number];

/**
 * Delivery statuses after a send, in the order they may move: never backwards, and a click (or action)
 * implies the message was opened.
 */
export const ENGAGED_STATUSES = ['sent', 'delivered', 'opened', 'clicked', 'acted'] as const;

const TARGET: Readonly<Record<EngagementKind, string>> = {
  open: 'opened',
  click: 'clicked',
  action: 'acted',
};
// `clicked` and `acted` rank alike: the first of them stays.
const BEFORE: Readonly<Record<EngagementKind, readonly string[]>> = {
  open: ['sent', 'delivered'],
  click: ['sent', 'delivered', 'opened'],
  action: ['sent', 'delivered', 'opened'],
};
// A message re-opened in a loop (or by a hostile script) stops adding rows past this.
const MAX_EVENTS_PER_DELIVERY = 50;

/** Records opens, clicks and actions and moves the delivery's status forward. */
export function engagementRecorder(deps: { readonly db: Kysely<Database>; readonly clock: Clock }) {
  const { db, clock } = deps;
  return {
    /**
     * Records one engagement of delivery `deliveryId`; false when the delivery does not exist. The status
     * moves forward only (sent → delivered → opened → clicked/acted), in the same transaction.
     */
    async record(
      deliveryId: string,
      kind: EngagementKind,
      linkIndex: number | null = null,
    ): Promise<boolean> {
      const now = clock.now();
      return db.transaction().execute(async (trx) => {
        const delivery = await trx
          .selectFrom('deliveries')
          .select(['id', 'status'])
          .where('id', '=', deliveryId)
          .executeTakeFirst();
        if (!delivery) return false;
        const { count } = await trx
          .selectFrom('engagement_events')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('delivery_id', '=', deliveryId)
          .executeTakeFirstOrThrow();
        if (Number(count) < MAX_EVENTS_PER_DELIVERY) {
          await trx
            .insertInto('engagement_events')
            .values({ id: newId('eng', now), delivery_id: deliveryId, kind, link_index: linkIndex, at: now })
            .execute();
        }
        await trx
          .updateTable('deliveries')
          .set({ status: TARGET[kind], updated_at: now })
          .where('id', '=', deliveryId)
          .where('status', 'in', [...BEFORE[kind]])
          .execute();
        return true;
      });
    },
  };
}

/** The engagement recorder. */
export type EngagementRecorder = ReturnType<typeof engagementRecorder>;
