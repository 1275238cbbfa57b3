import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock } from '../clock.js';
import { openStore, type Store } from '../store/store.js';
import { insertOrgAndProject } from '../tenancy/test-fixtures.js';
import { type StoredEvent, storedEvents } from './event-records.js';
import { eventSchema } from './event-schema.js';
import { frequencyStore } from './frequency-store.js';
import { type IngestService, ingestService } from './ingest.js';
import { issuesService } from './issues.js';

const ADMIN = { kind: 'admin' } as const;
const target = { orgId: 'org_1', projectId: 'prj_1' };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('ingest on a timeline', () => {
  let store: Store;
  let clock: ManualClock;
  let ingest: IngestService;
  let committed: string[][];
  const issues = () => issuesService({ db: store.db, clock });
  const send = (payload: object) =>
    ingest.ingest(target, eventSchema.parse({ message: 'Cache miss storm', ...payload }));

  beforeEach(async () => {
    store = openStore({ databaseUrl: null, dataDir: '', sqliteFile: ':memory:' });
    await store.migrate();
    clock = manualClock('2026-02-01T10:00:00Z');
    committed = [];
    ingest = ingestService({
      db: store.db,
      dialect: 'sqlite',
      clock,
      onJobsCommitted: (ids) => committed.push(ids),
    });
    const now = clock.now();
    await insertOrgAndProject(store.db, {
      orgId: 'org_1',
      orgSlug: 'o',
      orgName: 'O',
      projectId: 'prj_1',
      projectSlug: 'p',
      projectName: 'P',
      at: now,
    });
  });
  afterEach(() => store.close());

  it('keeps the events it stored for their evaluation, as a reader gets them back from the database', async () => {
    const kept: StoredEvent[] = [];
    const keeping = ingestService({
      db: store.db,
      dialect: 'sqlite',
      clock,
      events: { keep: (e) => kept.push(e) },
    });
    const payloads = [
      { message: 'Plain message' },
      {
        event_id: 'AB12CD34-EF56-7890-AB12-CD34EF567890',
        logentry: { message: 'Disk %s full', params: ['/var'] },
      },
      { message: 'Timed', timestamp: '2026-02-01T09:59:00Z', level: 'warning', environment: 'production' },
      { message: 'Numeric time', timestamp: 1769939900.5, release: 'web@1.2.3', platform: 'node' },
      {
        exception: {
          values: [
            {
              type: 'TypeError',
              value: "Cannot read properties of undefined (reading 'id')",
              mechanism: { type: 'onunhandledrejection', handled: false },
              stacktrace: {
                frames: [{ filename: '/srv/app/cart.js', function: 'total', lineno: 42, in_app: true }],
              },
            },
          ],
        },
        tags: { route: '/cart', browser: 'Chrome' },
        user: { id: 42, email: 'ada@example.com' },
        request: { url: 'https://shop.example.com/cart', method: 'POST' },
        extra: { attempt: 3, nested: { ok: false } },
        contexts: { os: { name: 'Linux' } },
        fingerprint: ['cart', 'total'],
      },
      { message: 'Tags as pairs', tags: [['region', 'eu-west-1']] },
    ];
    const single = await keeping.ingest(target, eventSchema.parse(payloads[0]));
    const batch = await keeping.ingestBatch(
      target,
      payloads.slice(1).map((p) => eventSchema.parse(p)),
    );
    // A repeated event_id stores nothing, so nothing new is kept.
    await keeping.ingest(target, eventSchema.parse(payloads[1]));
    expect(kept.map((e) => e.event.eventId)).toEqual([single, ...batch].map((r) => r.eventId));
    const reader = storedEvents(store.db);
    for (const event of kept) expect(await reader.load(event.id)).toEqual(event);
  });

  it('a resolved issue regresses on its next event', async () => {
    const first = await send({});
    expect(committed).toEqual([first.jobIds]);
    await issues().update(ADMIN, first.issueId, { status: 'resolved' });
    clock.advance(HOUR);
    const next = await send({});
    expect(next).toMatchObject({ issueId: first.issueId, isNew: false, isRegression: true });
    expect(next.outcome.isReappeared).toBe(false);
    expect((await issues().get(ADMIN, first.issueId)).status).toBe('unresolved');
    const after = await send({});
    expect(after.isRegression).toBe(false);
  });

  it('an issue ignored until a time stays ignored before it and reappears after it', async () => {
    const first = await send({});
    const until = new Date(clock.now() + 2 * HOUR).toISOString();
    await issues().update(ADMIN, first.issueId, { status: 'ignored', ignoreUntil: until });
    clock.advance(HOUR);
    expect((await send({})).outcome.isReappeared).toBe(false);
    expect((await issues().get(ADMIN, first.issueId)).status).toBe('ignored');
    clock.advance(HOUR);
    const reappeared = await send({});
    expect(reappeared.outcome).toMatchObject({ isReappeared: true, isRegression: false });
    expect(await issues().get(ADMIN, first.issueId)).toMatchObject({
      status: 'unresolved',
      ignoreUntil: null,
    });
  });

  it('an issue ignored until 3 more events reappears on the third', async () => {
    const first = await send({});
    await send({});
    await issues().update(ADMIN, first.issueId, { status: 'ignored', ignoreCount: 3 });
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push((await send({})).outcome.isReappeared);
    expect(outcomes).toEqual([false, false, true, false]);
    expect(await issues().get(ADMIN, first.issueId)).toMatchObject({ status: 'unresolved', timesSeen: 6 });
  });

  it('an issue ignored forever never reappears', async () => {
    const first = await send({});
    await issues().update(ADMIN, first.issueId, { status: 'ignored' });
    clock.advance(30 * 24 * HOUR);
    expect((await send({})).outcome.isReappeared).toBe(false);
    expect((await issues().get(ADMIN, first.issueId)).status).toBe('ignored');
  });

  it('counts distinct users exactly and marks the first event of each environment', async () => {
    const a = await send({ user: { id: 'u1' }, environment: 'production' });
    expect(a.outcome.isNewInEnvironment).toBe(true);
    expect((await send({ user: { id: 'u1' }, environment: 'production' })).outcome.isNewInEnvironment).toBe(
      false,
    );
    expect(
      (await send({ user: { email: 'x@y.z' }, environment: 'staging' })).outcome.isNewInEnvironment,
    ).toBe(true);
    await send({});
    expect(await issues().get(ADMIN, a.issueId)).toMatchObject({ timesSeen: 4, usersSeen: 2 });
  });

  it('users and environments of an ingest that failed are still new on the next event, and counted', async () => {
    const first = await send({ user: { id: 'u1' }, environment: 'production' });
    // The group fails after its users and environments were written: its last write (the evaluation's
    // job) is refused while `refuse_jobs` holds a row.
    await sql`create table refuse_jobs (x integer)`.execute(store.db);
    await sql`create trigger refuse_job before insert on jobs
      when (select count(*) from refuse_jobs) > 0 begin select raise(abort, 'refused'); end`.execute(
      store.db,
    );
    await sql`insert into refuse_jobs values (1)`.execute(store.db);
    await expect(send({ user: { id: 'u2' }, environment: 'staging' })).rejects.toThrow('refused');
    await sql`delete from refuse_jobs`.execute(store.db);

    const again = await send({ user: { id: 'u2' }, environment: 'staging' });
    expect(again.issueId).toBe(first.issueId);
    expect(again.outcome.isNewInEnvironment).toBe(true);
    expect(await issues().get(ADMIN, first.issueId)).toMatchObject({ timesSeen: 2, usersSeen: 2 });
    const usersIn = (from: number, to: number) =>
      frequencyStore(store.db).count({ issueId: first.issueId, kind: 'users', from, to });
    const now = clock.now();
    expect(await usersIn(now, now + MINUTE)).toBe(2);
    // Known from then on, in later groups as in the first.
    expect((await send({ user: { id: 'u2' }, environment: 'staging' })).outcome.isNewInEnvironment).toBe(
      false,
    );
    expect((await send({ user: { id: 'u3' }, environment: 'staging' })).outcome.isNewInEnvironment).toBe(
      false,
    );
    expect(await issues().get(ADMIN, first.issueId)).toMatchObject({ timesSeen: 4, usersSeen: 3 });
    expect(await usersIn(now, now + MINUTE)).toBe(3);
    // A returning user of a new minute is counted in it.
    clock.advance(MINUTE);
    await send({ user: { id: 'u2' }, environment: 'staging' });
    expect(await usersIn(clock.now(), clock.now() + MINUTE)).toBe(1);
  });

  it('writes a batch larger than one statement takes, all of it', async () => {
    const payloads = Array.from({ length: 600 }, (_, i) =>
      eventSchema.parse({ message: `Batch ${i}`, fingerprint: [`f${i % 300}`], user: { id: `u${i % 7}` } }),
    );
    const results = await ingest.ingestBatch(target, payloads);
    expect(results.filter((r) => r.isNew)).toHaveLength(300);
    const rows = await store.db.selectFrom('issues').select(['times_seen', 'users_seen']).execute();
    expect(rows).toHaveLength(300);
    expect(rows.every((r) => r.times_seen === 2 && r.users_seen === 2)).toBe(true);
    const jobs = await store.db.selectFrom('jobs').select('id').execute();
    expect(jobs).toHaveLength(600);
    expect(committed.flat()).toHaveLength(600);
  });

  it('keeps what says an event is a Prometheus alert only for the events of Alertmanager alerts', async () => {
    const spoof = (message: string) =>
      eventSchema.parse({ message, extra: { cart: 3, alertmanager: { fingerprint: 'aaaaaaaaaaaaaaaa' } } });
    const one = await ingest.ingest(target, spoof('One'));
    const [batched] = await ingest.ingestBatch(target, [spoof('Batched')]);
    const [alert] = await ingest.ingestAlerts(target, [spoof('Alert')], async () => {});
    const extra = async (issueId: string) => (await issues().latestEvent(issueId))?.event.extra;
    expect(await extra(one.issueId)).toEqual({ cart: 3 });
    expect(await extra(batched!.issueId)).toEqual({ cart: 3 });
    expect(await extra(alert!.issueId)).toEqual({
      cart: 3,
      alertmanager: { fingerprint: 'aaaaaaaaaaaaaaaa' },
    });
  });

  it('frequency buckets answer event and user counts over half-open windows', async () => {
    const frequency = frequencyStore(store.db);
    const start = clock.now();
    const first = await send({ user: { id: 'u1' } });
    clock.advance(2 * MINUTE);
    await send({ user: { id: 'u2' } });
    await send({ user: { id: 'u2' } });
    clock.advance(2 * HOUR);
    await send({ user: { id: 'u3' } });
    const q = (kind: 'events' | 'users', from: number, to: number) =>
      frequency.count({ issueId: first.issueId, kind, from, to });
    const now = clock.now();
    expect(await q('events', now - MINUTE, now + 1)).toBe(1);
    expect(await q('events', start, start + 5 * MINUTE)).toBe(3);
    expect(await q('users', start, start + 5 * MINUTE)).toBe(2);
    expect(await q('events', start + 2 * MINUTE, start + 5 * MINUTE)).toBe(2);
    expect(await q('events', start, start + 2 * MINUTE)).toBe(1);
    expect(await q('events', now - 24 * HOUR, now + 1)).toBe(4);
    expect(await q('users', now - 24 * HOUR, now + 1)).toBe(3);
  });
});
