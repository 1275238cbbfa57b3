import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Indexes that every event paid for on its way through the pipeline, and what replaces them. A job row
 * is written three times (enqueued, claimed, deleted) and a delivery three times (written, claimed,
 * settled), so an index on them costs on every stage, and more pages per commit.
 * - `jobs_due` (run_at): every query on due jobs names their kinds and uses `jobs_kind_due`.
 * - `deliveries_notification`: the unique key `deliveries_once` starts with notification_id already.
 * - `deliveries_org_status` (org_id, status): its entry moved on every status change. Deliveries are
 *   listed newest first per organization, which `deliveries_org` (org_id, id) serves without a sort and
 *   without changing after the insert; dead letters, the one status looked up on its own, get a partial
 *   index that holds only them.
 * - `deliveries_digest`: only rows held in a digest have a digest_id; the others are left out.
 */
export const writePathIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('jobs_due').ifExists().execute();
    await db.schema.dropIndex('deliveries_notification').ifExists().execute();
    await db.schema.dropIndex('deliveries_org_status').ifExists().execute();
    await db.schema.createIndex('deliveries_org').on('deliveries').columns(['org_id', 'id']).execute();
    await db.schema
      .createIndex('deliveries_dead')
      .on('deliveries')
      .columns(['org_id', 'id'])
      .where(sql.ref('status'), '=', sql.lit('dead'))
      .execute();
    await db.schema.dropIndex('deliveries_digest').ifExists().execute();
    await db.schema
      .createIndex('deliveries_digest')
      .on('deliveries')
      .column('digest_id')
      .where(sql.ref('digest_id'), 'is not', null)
      .execute();
  },
};
