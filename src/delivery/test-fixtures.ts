import type { Kysely } from 'kysely';
import type { Database, DeliveryTable } from '../store/schema.js';

/** A delivery row for tests below the API: a pending webhook delivery of `ntf_1` in `org_1`, with `fields` over it. */
export function deliveryRow(fields: Partial<DeliveryTable> = {}): DeliveryTable {
  return {
    id: 'dlv_1',
    notification_id: 'ntf_1',
    org_id: 'org_1',
    recipient_type: 'webhook',
    recipient_id: 'int_1',
    channel: 'webhook',
    integration_id: null,
    status: 'pending',
    reason: null,
    attempts: 0,
    next_attempt_at: null,
    last_error: null,
    provider_message_id: null,
    digest_id: null,
    fallback_of: null,
    created_at: 0,
    updated_at: 0,
    sent_at: null,
    ...fields,
  };
}

/**
 * Writes organization `org_1` ("Acme", slug `acme`) and its issue alert `ntf_1` (no project, issue or
 * event) straight to the database, and `deliveries` of it: what a test of a delivery's later life needs.
 */
export async function insertNotificationWithDeliveries(
  db: Kysely<Database>,
  deliveries: readonly DeliveryTable[],
): Promise<void> {
  await db
    .insertInto('organizations')
    .values({ id: 'org_1', slug: 'acme', name: 'Acme', options: '{}', created_at: 0, updated_at: 0 })
    .execute();
  await db
    .insertInto('notifications')
    .values({
      id: 'ntf_1',
      org_id: 'org_1',
      project_id: null,
      type: 'issue_alert',
      issue_id: null,
      event_id: null,
      rule_ids: '[]',
      payload: '{}',
      dedupe_key: 'k',
      created_at: 0,
    })
    .execute();
  if (deliveries.length > 0)
    await db
      .insertInto('deliveries')
      .values([...deliveries])
      .execute();
}
