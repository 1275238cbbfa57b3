import { type Kysely, type Migration, sql } from 'kysely';

/**
 * An organization's deliveries of the statuses a delivery takes beside its way out (held, refused,
 * failing, engaged with), in the order of their notifications: the history filtered by one of them
 * (`GET /api/v1/orgs/{org}/notifications?status=failed`) reads those deliveries from the newest down,
 * where it read every notification of the organization to find the few that had one. The statuses a
 * delivery passes on its way out (pending, sending, sent, delivered) are not in it, so sending writes
 * nothing more. The list is repeated, word for word, by the history's query (notifications/history.ts),
 * which it must be for SQLite to use the index.
 */
export const deliveryStatusHistory: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('deliveries_status_history')
      .on('deliveries')
      .columns(['org_id', 'status', 'notification_id'])
      .where(
        sql.ref('status'),
        'in',
        ['failed', 'dead', 'suppressed', 'deferred', 'digested', 'opened', 'clicked', 'acted'].map((s) =>
          sql.lit(s),
        ),
      )
      .execute();
  },
};
