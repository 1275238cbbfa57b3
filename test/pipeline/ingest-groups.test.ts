import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { eventSchema } from '../../src/events/event-schema.js';
import { type IngestResult, ingestService } from '../../src/events/ingest.js';
import { issuesService } from '../../src/events/issues.js';
import type { Store } from '../../src/store/store.js';
import { insertOrgAndProject } from '../../src/tenancy/test-fixtures.js';
import { PROFILE, SKIP_PROFILE } from '../helpers/profile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const ADMIN = { kind: 'admin' } as const;
const MINUTE = 60_000;

/** One step of a timeline: events ingested in one transaction, a change to an issue, or time passing. */
type Step =
  | { kind: 'events'; events: { fp: number; user: number; env: number; id: number }[] }
  | { kind: 'status'; fp: number; change: 'resolved' | 'ignored' | 'count' | 'users' | 'until' }
  | { kind: 'wait'; minutes: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('events' as const),
      events: fc.array(
        fc.record({
          fp: fc.nat(2),
          user: fc.nat(3),
          env: fc.nat(2),
          id: fc.nat(5),
        }),
        { minLength: 1, maxLength: 8 },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('status' as const),
      fp: fc.nat(2),
      change: fc.constantFrom('resolved', 'ignored', 'count', 'users', 'until'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 90 }) }),
  },
);

const ENVIRONMENTS = [undefined, 'production', 'staging'];

function payload(e: { fp: number; user: number; env: number; id: number }) {
  return eventSchema.parse({
    message: `event of ${e.fp}`,
    fingerprint: [`fp-${e.fp}`],
    // Ids 0 and 1 are repeated on purpose; the others mean "no event_id".
    ...(e.id < 2 ? { event_id: `${e.fp}${e.id}`.padEnd(32, 'a') } : {}),
    ...(e.user > 0 ? { user: { id: `u${e.user}` } } : {}),
    ...(ENVIRONMENTS[e.env] ? { environment: ENVIRONMENTS[e.env] } : {}),
  });
}

/**
 * Group commit writes many events per transaction with set-based statements. Whatever the grouping, the
 * answers and the rows must be those of ingesting the events one transaction each, in order.
 */
describe.skipIf(SKIP_PROFILE)('ingest in groups', () => {
  let databases: TestDatabase[];
  let stores: Store[];
  beforeAll(async () => {
    databases = [await createTestDatabase(), await createTestDatabase()];
    stores = await Promise.all(databases.map((d) => d.open()));
  });
  afterAll(async () => {
    for (const store of stores ?? []) await store.close();
    for (const database of databases ?? []) await database.drop();
  });

  test.prop([fc.array(step, { minLength: 1, maxLength: 12 })], { numRuns: 25 })(
    'answers and stores exactly what one event per transaction would',
    async (steps) => {
      const [grouped, single] = await Promise.all([
        replay(stores[0]!, steps, true),
        replay(stores[1]!, steps, false),
      ]);
      expect(grouped.answers).toEqual(single.answers);
      expect(grouped.state).toEqual(single.state);
    },
  );

  // Several servers on one PostgreSQL database (the cluster profile): groups race to create the same
  // issues in different orders; locks, conflicts and retries must still make one issue per fingerprint.
  test.skipIf(PROFILE !== 'postgres')(
    'racing groups of several servers make one issue per fingerprint',
    async () => {
      const extra = await Promise.all([databases[0]!.open(), databases[0]!.open()]);
      try {
        const store = stores[0]!;
        await replay(store, [], true);
        const clock = manualClock('2026-03-01T10:00:00Z');
        const target = { orgId: 'org_g', projectId: 'prj_g' };
        const servers = [store, ...extra].map((s) => ingestService({ db: s.db, dialect: s.dialect, clock }));
        const events = (shift: number) =>
          Array.from({ length: 12 }, (_, i) =>
            payload({ fp: (i + shift) % 3, user: i % 4, env: i % 3, id: 9 }),
          );
        const answers = (
          await Promise.all(
            Array.from({ length: 9 }, (_, i) => servers[i % 3]!.ingestBatch(target, events(i))),
          )
        ).flat();
        const issues = await store.db
          .selectFrom('issues')
          .selectAll()
          .where('project_id', '=', 'prj_g')
          .execute();
        expect(issues).toHaveLength(3);
        expect(issues.reduce((sum, i) => sum + i.times_seen, 0)).toBe(9 * 12);
        expect(issues.map((i) => i.users_seen)).toEqual([3, 3, 3]);
        expect(answers.filter((a) => a.isNew)).toHaveLength(3);
        expect(new Set(answers.map((a) => a.issueId)).size).toBe(3);
      } finally {
        for (const s of extra) await s.close();
      }
    },
  );

  /** Runs the timeline on a clean project; `grouped` sends each step's events as one transaction. */
  async function replay(store: Store, steps: Step[], grouped: boolean) {
    const db = store.db;
    const clock = manualClock('2026-03-01T10:00:00Z');
    await db.deleteFrom('jobs').execute();
    await db.deleteFrom('organizations').execute();
    const now = clock.now();
    await insertOrgAndProject(db, {
      orgId: 'org_g',
      orgSlug: 'g',
      orgName: 'G',
      projectId: 'prj_g',
      projectSlug: 'p',
      projectName: 'P',
      at: now,
    });
    const target = { orgId: 'org_g', projectId: 'prj_g' };
    const ingest = ingestService({ db, dialect: store.dialect, clock });
    const issues = issuesService({ db, clock });
    const issueOf = async (fp: number) => {
      const rows = await db.selectFrom('issues').select(['id', 'fingerprint', 'title']).execute();
      return rows.find((r) => r.title === `event of ${fp}`)?.id;
    };

    const results: IngestResult[] = [];
    for (const s of steps) {
      if (s.kind === 'wait') clock.advance(s.minutes * MINUTE);
      else if (s.kind === 'events') {
        const payloads = s.events.map(payload);
        if (grouped) results.push(...(await ingest.ingestBatch(target, payloads)));
        else for (const p of payloads) results.push(...(await ingest.ingestBatch(target, [p])));
      } else {
        const id = await issueOf(s.fp);
        if (!id) continue;
        const patch =
          s.change === 'resolved'
            ? { status: 'resolved' as const }
            : s.change === 'ignored'
              ? { status: 'ignored' as const }
              : s.change === 'count'
                ? { status: 'ignored' as const, ignoreCount: 2 }
                : s.change === 'users'
                  ? { status: 'ignored' as const, ignoreUserCount: 1 }
                  : {
                      status: 'ignored' as const,
                      ignoreUntil: new Date(clock.now() + 30 * MINUTE).toISOString(),
                    };
        await issues.update(ADMIN, id, patch);
      }
    }

    // Row ids differ between runs: name issues by title (one per fingerprint), events by their position.
    const issueRows = await db.selectFrom('issues').selectAll().where('project_id', '=', 'prj_g').execute();
    const fpOf = new Map(issueRows.map((r) => [r.id, r.title]));
    const position = (eventId: string) => results.findIndex((r) => r.eventId === eventId);
    const eventRows = (
      await db.selectFrom('events').selectAll().where('project_id', '=', 'prj_g').execute()
    ).sort((a, b) => position(a.event_id) - position(b.event_id));
    const eventIds = new Map(eventRows.map((r) => [r.id, `#${position(r.event_id)}`]));
    const answers = results.map((r) => ({
      issue: fpOf.get(r.issueId),
      isNew: r.isNew,
      isRegression: r.isRegression,
      outcome: r.outcome,
      jobs: r.jobIds.length,
    }));
    const byFp = <T extends { issue_id: string }>(rows: T[]) =>
      rows
        .map(({ issue_id, ...rest }) => ({ issue: fpOf.get(issue_id), ...rest }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const state = {
      issues: issueRows
        .map(({ id: _, last_event_id, ...rest }) => ({
          ...rest,
          last_event: last_event_id === null ? null : eventIds.get(last_event_id),
        }))
        .sort((a, b) => a.title.localeCompare(b.title)),
      events: eventRows.map((r) => ({ issue: fpOf.get(r.issue_id), env: r.environment, at: r.received_at })),
      environments: byFp(await db.selectFrom('issue_environments').selectAll().execute()),
      users: byFp(await db.selectFrom('issue_users').selectAll().execute()),
      counts: byFp(await db.selectFrom('issue_counts').selectAll().execute()),
      userBuckets: byFp(await db.selectFrom('issue_user_buckets').selectAll().execute()),
      jobs: (await db.selectFrom('jobs').select(['id', 'payload']).execute())
        .map((j) => {
          const {
            eventId,
            issueId,
            projectId: _,
            ...flags
          } = JSON.parse(j.payload) as Record<string, string>;
          return { event: eventIds.get(eventId!) ?? '', issue: fpOf.get(issueId!), ...flags };
        })
        // Rows come in no particular order: jobs of no event (workflow activity) by their content.
        .sort(
          (a, b) =>
            a.event.localeCompare(b.event, 'en', { numeric: true }) ||
            JSON.stringify(a).localeCompare(JSON.stringify(b)),
        ),
    };
    return { answers, state };
  }
});
