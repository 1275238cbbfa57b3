import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import { deliveryRow } from '../delivery/test-fixtures.js';
import type { DeliveryTable } from '../store/schema.js';
import { openStore, type Store } from '../store/store.js';
import { deliveryObserver } from './delivery-observer.js';
import { type HeraldMetrics, heraldMetrics } from './metrics.js';

const SENT_AT = 1_000_000;

function delivery(fields: Partial<DeliveryTable>): DeliveryTable {
  return deliveryRow({
    recipient_type: 'user',
    recipient_id: 'usr_1',
    channel: 'email',
    status: 'sent',
    attempts: 1,
    updated_at: SENT_AT,
    sent_at: SENT_AT,
    ...fields,
  });
}

describe('the delivery observer', () => {
  let store: Store;
  let metrics: HeraldMetrics;
  beforeAll(() => {
    store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
    metrics = heraldMetrics({ db: store.db, clock: manualClock() });
  });
  afterAll(() => store.close());

  /** Sum and count of the event→sent histogram for a channel. */
  async function latency(channel: string): Promise<{ sum: number; count: number }> {
    const { values } = await metrics.eventToSent.get();
    const of = (name: string) =>
      values.find((v) => v.metricName === name && v.labels.channel === channel)?.value ?? 0;
    return { sum: of('herald_event_to_sent_seconds_sum'), count: of('herald_event_to_sent_seconds_count') };
  }

  it('times a sent issue alert from its event, anything else from its notification', async () => {
    const observer = deliveryObserver({ metrics, logger: pino({ level: 'silent' }) });
    const attempt = { durationMs: 5 };
    await observer.finished(delivery({ channel: 'email' }), attempt, {
      type: 'issue_alert',
      created_at: SENT_AT - 1_000,
      event_received_at: SENT_AT - 4_000,
    });
    await observer.finished(delivery({ channel: 'slack' }), attempt, {
      type: 'deploy',
      created_at: SENT_AT - 2_000,
      event_received_at: SENT_AT - 9_000,
    });
    await observer.finished(delivery({ channel: 'msteams' }), attempt, {
      type: 'issue_alert',
      created_at: SENT_AT - 3_000,
      event_received_at: null,
    });
    expect(await latency('email')).toEqual({ sum: 4, count: 1 });
    expect(await latency('slack')).toEqual({ sum: 2, count: 1 });
    expect(await latency('msteams')).toEqual({ sum: 3, count: 1 });
  });

  it('times only sends', async () => {
    const observer = deliveryObserver({ metrics, logger: pino({ level: 'silent' }) });
    const timing = { type: 'issue_alert', created_at: 0, event_received_at: 0 };
    await observer.finished(delivery({ channel: 'discord', status: 'failed', sent_at: null }), null, timing);
    await observer.finished(
      delivery({ channel: 'discord', status: 'suppressed', sent_at: null }),
      null,
      null,
    );
    expect(await latency('discord')).toEqual({ sum: 0, count: 0 });
  });
});
