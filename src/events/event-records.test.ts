import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countingDb } from '../../test/helpers/counting-db.js';
import { type ManualClock, manualClock } from '../clock.js';
import { openStore, type Store } from '../store/store.js';
import { insertOrgAndProject } from '../tenancy/test-fixtures.js';
import { evaluatedIssues, type StoredEvents, storedEvents } from './event-records.js';
import { eventSchema } from './event-schema.js';
import { ingestService } from './ingest.js';

const target = { orgId: 'org_1', projectId: 'prj_1' };

let store: Store;
let clock: ManualClock;

beforeEach(async () => {
  store = openStore({ databaseUrl: null, dataDir: '', sqliteFile: ':memory:' });
  await store.migrate();
  clock = manualClock('2026-02-01T10:00:00Z');
  await insertOrgAndProject(store.db, {
    orgId: 'org_1',
    orgSlug: 'o',
    projectId: 'prj_1',
    projectSlug: 'p',
  });
});
afterEach(() => store.close());

describe('events kept for their evaluation', () => {
  /** Ingests one event per message through a service that keeps them in `events`; their row ids. */
  async function ingestInto(events: StoredEvents, messages: string[]): Promise<string[]> {
    const ingest = ingestService({ db: store.db, dialect: 'sqlite', clock, events });
    const ids: string[] = [];
    for (const message of messages) {
      const { jobIds } = await ingest.ingest(target, eventSchema.parse({ message }));
      // The evaluation's job is named after the event's row.
      ids.push(jobIds[0]!.slice('evaluate:'.length));
    }
    return ids;
  }

  /** Which of the events are served without their row: the rows are deleted first. */
  async function served(events: StoredEvents, ids: string[]): Promise<string[]> {
    await store.db.deleteFrom('jobs').execute();
    await store.db.deleteFrom('events').execute();
    const found: string[] = [];
    for (const id of ids) if ((await events.load(id))?.event.message) found.push(id);
    return found;
  }

  it('serves an event ingest stored until its evaluation forgets it', async () => {
    const events = storedEvents(store.db, clock);
    const [first, second] = await ingestInto(events, ['Disk full', 'Cache cold']);
    events.forget(first!);
    expect(await served(events, [first!, second!])).toEqual([second]);
  });

  it('when full keeps the events it holds, the next to be evaluated, and not the newest', async () => {
    const events = storedEvents(store.db, clock, { count: 2, bytes: 1_000_000, ageMs: 60_000 });
    const ids = await ingestInto(events, ['one', 'two', 'three', 'four']);
    expect(await served(events, ids)).toEqual(ids.slice(0, 2));
  });

  it('takes room again once an evaluation forgot its event', async () => {
    const events = storedEvents(store.db, clock, { count: 2, bytes: 1_000_000, ageMs: 60_000 });
    const [one, two] = await ingestInto(events, ['one', 'two']);
    events.forget(one!);
    const [three, four] = await ingestInto(events, ['three', 'four']);
    expect(await served(events, [one!, two!, three!, four!])).toEqual([two, three]);
  });

  it('keeps no more than its bound of stored JSON', async () => {
    const size = JSON.stringify({ message: 'x'.repeat(400) }).length;
    const events = storedEvents(store.db, clock, { count: 100, bytes: 2 * size + 200, ageMs: 60_000 });
    const ids = await ingestInto(
      events,
      ['a', 'b', 'c'].map((c) => c.repeat(400)),
    );
    expect(await served(events, ids)).toEqual(ids.slice(0, 2));
  });

  it('lets go of events no evaluation asked for within its age, making room for new ones', async () => {
    const events = storedEvents(store.db, clock, { count: 2, bytes: 1_000_000, ageMs: 60_000 });
    const [old1, old2] = await ingestInto(events, ['one', 'two']);
    clock.advance(60_001);
    const [fresh] = await ingestInto(events, ['three']);
    expect(await served(events, [old1!, old2!, fresh!])).toEqual([fresh]);
  });
});

describe('events read back for their evaluation', () => {
  it('reads the events asked for together with one statement; a deleted one is null', async () => {
    // Stored by another process: none is kept here.
    const ingest = ingestService({ db: store.db, dialect: 'sqlite', clock });
    const ids: string[] = [];
    for (const message of ['Disk full', 'Cache cold', 'Queue stuck']) {
      const { jobIds } = await ingest.ingest(target, eventSchema.parse({ message }));
      ids.push(jobIds[0]!.slice('evaluate:'.length));
    }
    await store.db.deleteFrom('events').where('id', '=', ids[2]!).execute();
    const reads: string[] = [];
    const events = storedEvents(
      countingDb(store.db, (query) => reads.push(query.sql)),
      clock,
    );
    const found = await Promise.all([...ids, ids[0]!].map((id) => events.load(id)));
    expect(found.map((stored) => stored?.event.message ?? null)).toEqual([
      'Disk full',
      'Cache cold',
      null,
      'Disk full',
    ]);
    expect(found[1]).toMatchObject({ id: ids[1], projectId: 'prj_1' });
    expect(reads).toHaveLength(1);
    // Read back once, each is kept until its evaluation forgets it.
    await events.load(ids[1]!);
    expect(reads).toHaveLength(1);
    events.forget(ids[1]!);
    await events.load(ids[1]!);
    expect(reads).toHaveLength(2);
  });
});

describe('issues as evaluations read them', () => {
  it('reads the issues asked for together with one statement; a deleted one is undefined', async () => {
    const ingest = ingestService({ db: store.db, dialect: 'sqlite', clock });
    const issueIds: string[] = [];
    for (const message of ['Disk full', 'Cache cold', 'Queue stuck'])
      issueIds.push((await ingest.ingest(target, eventSchema.parse({ message }))).issueId);
    await store.db.deleteFrom('issues').where('id', '=', issueIds[2]!).execute();
    const reads: string[] = [];
    const read = evaluatedIssues(countingDb(store.db, (query) => reads.push(query.sql)));
    const found = await Promise.all([...issueIds, issueIds[0]!].map((id) => read(id)));
    expect(found.map((issue) => issue?.id)).toEqual([issueIds[0], issueIds[1], undefined, issueIds[0]]);
    expect(found[0]).toMatchObject({ org_id: 'org_1', project_id: 'prj_1', title: 'Disk full' });
    expect(reads).toHaveLength(1);
    // Asked one after the other, each is read on its own.
    await read(issueIds[1]!);
    expect(reads).toHaveLength(2);
  });
});
