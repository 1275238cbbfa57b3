import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import { issueRow } from '../events/test-fixtures.js';
import { notificationType } from '../notifications/registry.js';
import type { Job } from '../queue/queue.js';
import type { DeliveryTable } from '../store/schema.js';
import { openStore, type Store } from '../store/store.js';
import { insertOrgAndProject } from '../tenancy/test-fixtures.js';
import type { Channel, OutboundMessage } from './channel.js';
import { circuitBreaker } from './circuit-breaker.js';
import { deliverer } from './deliver.js';
import type { DeliveryNotification } from './delivery-statements.js';
import { deliveryRow } from './test-fixtures.js';

const LEASE = 60_000;
const RECEIVED_AT = Date.parse('2026-01-01T00:00:00Z') - 5_000;

/** The delivery stage on one SQLite database, sending through a recording channel. */
describe('the deliver job', () => {
  let store: Store;
  const clock = manualClock();
  const sent: OutboundMessage[] = [];
  const committed: string[] = [];
  const finished: { row: DeliveryTable; notification: DeliveryNotification | null }[] = [];
  /** Runs while a message is being sent (what another worker does meanwhile). */
  let duringSend: ((message: OutboundMessage) => Promise<void>) | null = null;
  const channel: Channel = {
    kind: 'webhook',
    async send(message) {
      await duringSend?.(message);
      sent.push(message);
      return { providerMessageId: `p_${sent.length}`, providerResponse: 'HTTP 200' };
    },
  };
  let deliver: (job: Job) => Promise<void>;
  let n = 0;

  beforeAll(async () => {
    store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
    await store.migrate();
    const db = store.db;
    await insertOrgAndProject(db, {
      orgId: 'org_1',
      orgSlug: 'acme',
      orgName: 'Acme',
      projectId: 'prj_1',
      projectSlug: 'api',
      projectName: 'API',
    });
    await db.insertInto('issues').values(issueRow()).execute();
    await db
      .insertInto('events')
      .values({
        id: 'evt_1',
        project_id: 'prj_1',
        issue_id: 'iss_1',
        event_id: 'e1',
        timestamp: 0,
        received_at: RECEIVED_AT,
        environment: null,
        release: null,
        level: 'error',
        payload: '{}',
      })
      .execute();
    await db
      .insertInto('notifications')
      .values({
        id: 'ntf_1',
        org_id: 'org_1',
        project_id: 'prj_1',
        type: 'issue_alert',
        issue_id: 'iss_1',
        event_id: 'evt_1',
        rule_ids: '[]',
        payload: JSON.stringify(notificationType('issue_alert')!.sample()),
        dedupe_key: 'k',
        created_at: clock.now() - 1_000,
      })
      .execute();
    deliver = deliverer({
      db,
      clock,
      logger: pino({ level: 'silent' }),
      channels: new Map([['webhook', channel]]),
      state: { get: async () => undefined, set: async () => undefined },
      breaker: circuitBreaker(clock),
      sendingLeaseMs: LEASE,
      publicUrl: () => 'https://herald.example',
      integration: async () => {
        throw new Error('no integrations here');
      },
      override: async () => undefined,
      unsubscribeUrl: () => 'https://herald.example/unsubscribe',
      onIntegrationDisabled: async () => undefined,
      onJobsCommitted: (ids) => committed.push(...ids),
      onFinished: async (row, _attempt, notification) => {
        finished.push({ row, notification });
      },
    });
  });
  afterAll(() => store.close());
  beforeEach(() => {
    duringSend = null;
    sent.length = 0;
    committed.length = 0;
    finished.length = 0;
  });

  async function delivery(fields: Partial<DeliveryTable>): Promise<string> {
    const id = `dlv_${++n}`;
    await store.db
      .insertInto('deliveries')
      .values(deliveryRow({ id, recipient_id: `hook_${n}`, updated_at: clock.now(), ...fields }))
      .execute();
    return id;
  }

  const run = (id: string) =>
    deliver({ id: `deliver_${id}_0`, kind: 'deliver', payload: { deliveryId: id }, attempts: 0, runAt: 0 });
  const row = (id: string) =>
    store.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const jobs = (id: string) =>
    store.db.selectFrom('jobs').select(['id', 'run_at']).where('payload', 'like', `%${id}"%`).execute();

  it('sends a pending delivery once, records the attempt and hands the notification on', async () => {
    const id = await delivery({});
    await run(id);
    await run(id);
    expect(sent.map((m) => m.idempotencyKey)).toEqual([id]);
    expect(await row(id)).toMatchObject({
      status: 'sent',
      attempts: 1,
      sent_at: clock.now(),
      provider_message_id: 'p_1',
      updated_at: clock.now(),
    });
    const attempts = await store.db
      .selectFrom('delivery_attempts')
      .selectAll()
      .where('delivery_id', '=', id)
      .execute();
    expect(attempts).toMatchObject([{ attempt: 1, outcome: 'sent', message: 'HTTP 200', code: null }]);
    expect(finished).toHaveLength(1);
    expect(finished[0]?.row).toMatchObject({ id, status: 'sent', attempts: 1 });
    expect(finished[0]?.notification).toMatchObject({
      id: 'ntf_1',
      type: 'issue_alert',
      event_received_at: RECEIVED_AT,
    });
  });

  it('leaves a delivery another worker is sending alone and looks again when its lease ends', async () => {
    const since = clock.now() - 1_000;
    const id = await delivery({ status: 'sending', attempts: 1, updated_at: since });
    await run(id);
    expect(sent).toEqual([]);
    expect(await row(id)).toMatchObject({ status: 'sending', attempts: 1, updated_at: since });
    const recheck = `deliver_${id}_lease_${since + LEASE}`;
    expect(await jobs(id)).toEqual([{ id: recheck, run_at: since + LEASE }]);
    expect(committed).toEqual([recheck]);
  });

  it('takes over a delivery whose lease ran out, as its next attempt under the same id', async () => {
    const id = await delivery({ status: 'sending', attempts: 2, updated_at: clock.now() - LEASE });
    await run(id);
    expect(sent.map((m) => m.idempotencyKey)).toEqual([id]);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('does nothing for a delivery that is done or gone', async () => {
    for (const status of ['sent', 'dead', 'suppressed', 'delivered']) {
      const id = await delivery({ status, attempts: 1, updated_at: 0 });
      await run(id);
      expect(await row(id)).toMatchObject({ status, attempts: 1, updated_at: 0 });
    }
    await run('dlv_missing');
    expect(sent).toEqual([]);
    expect(committed).toEqual([]);
    expect(finished).toEqual([]);
  });

  it('claims failed and deferred deliveries again', async () => {
    for (const status of ['failed', 'deferred']) {
      const id = await delivery({ status, attempts: 1 });
      await run(id);
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
    }
  });

  it('deliveries run at once are each claimed, sent and recorded once, a repeated job included', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => delivery({})));
    // The jobs of one claim start in one loop; one delivery's job is there twice (a lease recheck).
    await Promise.all([...ids.map(run), run(ids[3]!)]);
    expect(sent.map((m) => m.idempotencyKey).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
    const attempts = await store.db
      .selectFrom('delivery_attempts')
      .select(['delivery_id', 'attempt', 'outcome'])
      .where('delivery_id', 'in', ids)
      .execute();
    expect(attempts.map((a) => a.delivery_id).sort()).toEqual([...ids].sort());
    expect(finished.map((f) => f.row.id).sort()).toEqual([...ids].sort());
  });

  it('outcomes written together leave alone a delivery another worker settled meanwhile', async () => {
    const ids = await Promise.all(Array.from({ length: 4 }, () => delivery({})));
    const overtaken = ids[1]!;
    // While this worker sends it, another took it over (its lease ran out) and settled it first.
    duringSend = async (message) => {
      if (message.deliveryId !== overtaken) return;
      await store.db
        .updateTable('deliveries')
        .set({ status: 'dead', reason: 'other_worker', attempts: 2, updated_at: 7 })
        .where('id', '=', overtaken)
        .execute();
    };
    await Promise.all(ids.map(run));
    expect(await row(overtaken)).toMatchObject({
      status: 'dead',
      reason: 'other_worker',
      attempts: 2,
      updated_at: 7,
      provider_message_id: null,
    });
    for (const id of ids.filter((id) => id !== overtaken)) {
      const settled = await row(id);
      expect(settled).toMatchObject({ status: 'sent', attempts: 1, sent_at: clock.now(), reason: null });
      expect(settled.provider_message_id).toMatch(/^p_\d+$/);
    }
  });

  it('an outcome that cannot be written fails only its own delivery, which is tried again', async () => {
    const [good, bad, other] = await Promise.all([delivery({}), delivery({}), delivery({})]);
    // The database refuses to mark this one sent (a full disk, a broken row: any failed write).
    await sql`create temp trigger refuse_sent before update of status on deliveries
      when new.id = ${sql.lit(bad!)} and new.status = 'sent'
      begin select raise(abort, 'refused'); end`.execute(store.db);
    try {
      await Promise.all([run(good!), run(bad!), run(other!)]);
    } finally {
      await sql`drop trigger refuse_sent`.execute(store.db);
    }
    expect(sent.map((m) => m.idempotencyKey).sort()).toEqual([good, bad, other].sort());
    expect(await row(good!)).toMatchObject({ status: 'sent' });
    expect(await row(other!)).toMatchObject({ status: 'sent' });
    const failed = await row(bad!);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.last_error).toContain('refused');
    expect(await jobs(bad!)).toEqual([{ id: `deliver_${bad}_1`, run_at: failed.next_attempt_at }]);
  });
  it('a message that cannot be rendered is a dead letter at once, with why, and is not tried again', async () => {
    // A payload its type's schema refuses (written by hand here; by a bug, or an old version, elsewhere).
    await store.db
      .insertInto('notifications')
      .values({
        id: 'ntf_unreadable',
        org_id: 'org_1',
        project_id: 'prj_1',
        type: 'issue_alert',
        issue_id: 'iss_1',
        event_id: 'evt_1',
        rule_ids: '[]',
        payload: '{}',
        dedupe_key: 'unreadable',
        created_at: clock.now() - 1_000,
      })
      .execute();
    const id = await delivery({ notification_id: 'ntf_unreadable' });
    await run(id);
    expect(sent).toEqual([]);
    const dead = await row(id);
    expect(dead).toMatchObject({
      status: 'dead',
      reason: 'render_failed',
      attempts: 1,
      next_attempt_at: null,
    });
    expect(dead.last_error).toMatch(/^The message could not be rendered: .*organization/s);
    expect(await jobs(id)).toEqual([]);
  });
});
