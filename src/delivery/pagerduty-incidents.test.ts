import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { issueRow } from '../events/test-fixtures.js';
import type { DeliveryAttemptTable } from '../store/schema.js';
import { openStore, type Store } from '../store/store.js';
import { insertOrgAndProject } from '../tenancy/test-fixtures.js';
import { incidentGate, TRIGGER_RECHECK_MS } from './pagerduty-incidents.js';
import { deliveryRow } from './test-fixtures.js';

const T0 = Date.parse('2026-03-01T09:00:00Z');
const MINUTE = 60_000;

/**
 * What a PagerDuty resolve finds in the history of its issue's triggers when it falls due, below the
 * delivery stage: the states a worker that died mid-send, a timeout or a refusal leave behind.
 */
describe('a PagerDuty resolve decided from its triggers', () => {
  let store: Store;
  const decide = () => incidentGate(store.db);
  const resolve = { type: 'resolved', issue_id: 'iss_1', created_at: T0 + 2 * MINUTE };

  beforeAll(async () => {
    store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
    await store.migrate();
    await insertOrgAndProject(store.db, {
      orgId: 'org_1',
      orgSlug: 'acme',
      projectId: 'prj_1',
      projectSlug: 'api',
    });
    await store.db
      .insertInto('issues')
      .values(
        issueRow({
          title: 'Disk full',
          culprit: 'db-7',
          status: 'resolved',
          resolved_at: T0 + 2 * MINUTE,
          first_seen: T0,
          last_seen: T0,
          updated_at: T0 + 2 * MINUTE,
        }),
      )
      .execute();
    await store.db
      .insertInto('notifications')
      .values(
        [
          ['ntf_alert', 'issue_alert', T0],
          ['ntf_late', 'issue_alert', T0 + 3 * MINUTE],
          ['ntf_resolved', 'resolved', T0 + 2 * MINUTE],
        ].map(([id, type, at]) => ({
          id: String(id),
          org_id: 'org_1',
          project_id: 'prj_1',
          type: String(type),
          issue_id: 'iss_1',
          event_id: null,
          rule_ids: '[]',
          payload: '{}',
          dedupe_key: String(id),
          created_at: Number(at),
        })),
      )
      .execute();
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.db.deleteFrom('deliveries').execute();
  });

  /** The alert's trigger to integration `int_pd` as `fields` leave it, with its recorded attempts. */
  const trigger = async (
    fields: Parameters<typeof deliveryRow>[0],
    attempts: Pick<DeliveryAttemptTable, 'attempt' | 'outcome' | 'code'>[] = [],
  ) => {
    const row = deliveryRow({
      id: `dlv_${fields?.notification_id ?? 'ntf_alert'}`,
      notification_id: 'ntf_alert',
      recipient_type: 'channel',
      recipient_id: 'int_pd',
      channel: 'pagerduty',
      integration_id: 'int_pd',
      created_at: T0,
      updated_at: T0 + MINUTE,
      ...fields,
    });
    await store.db.insertInto('deliveries').values(row).execute();
    for (const a of attempts)
      await store.db
        .insertInto('delivery_attempts')
        .values({
          id: `att_${row.id}_${a.attempt}`,
          delivery_id: row.id,
          started_at: T0,
          duration_ms: 5,
          message: null,
          ...a,
        })
        .execute();
  };
  const now = T0 + 2 * MINUTE;

  it('is not sent when every send of the trigger was refused in PagerDuty’s answer', async () => {
    await trigger({ status: 'suppressed', reason: 'issue_resolved', attempts: 2 }, [
      { attempt: 1, outcome: 'transient', code: 'http_500' },
      { attempt: 2, outcome: 'transient', code: 'http_429' },
    ]);
    expect(await decide()({ integration_id: 'int_pd' }, resolve, now)).toMatchObject({
      kind: 'suppress',
      reason: 'no_incident',
    });
  });

  it('is sent when a worker died sending the trigger: the attempt it counted has no answer', async () => {
    // Taken over after the lease and suppressed there: the first send may have opened the incident.
    await trigger({ status: 'suppressed', reason: 'issue_resolved', attempts: 1 });
    expect(await decide()({ integration_id: 'int_pd' }, resolve, now)).toEqual({ kind: 'send' });
  });

  it('is sent when a send of the trigger timed out', async () => {
    await trigger({ status: 'failed', attempts: 1, next_attempt_at: now + MINUTE }, [
      { attempt: 1, outcome: 'transient', code: 'timeout' },
    ]);
    expect(await decide()({ integration_id: 'int_pd' }, resolve, now)).toEqual({ kind: 'send' });
  });

  it('waits while a trigger raised before it is being sent, not for one raised after it', async () => {
    await trigger({ status: 'sending', attempts: 1, updated_at: now });
    expect(await decide()({ integration_id: 'int_pd' }, resolve, now)).toMatchObject({
      kind: 'wait',
      until: now + TRIGGER_RECHECK_MS,
    });
    await store.db.deleteFrom('deliveries').execute();
    await trigger({ notification_id: 'ntf_late', status: 'sending', attempts: 1, updated_at: now });
    expect((await decide()({ integration_id: 'int_pd' }, resolve, now)).kind).not.toBe('wait');
  });

  it('a trigger for the issue resolved after its alert was raised is not sent', async () => {
    const alert = { type: 'issue_alert', issue_id: 'iss_1', created_at: T0 };
    expect(await decide()({ integration_id: 'int_pd' }, alert, now)).toMatchObject({
      kind: 'suppress',
      reason: 'issue_resolved',
    });
  });
});
