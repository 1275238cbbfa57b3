import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const EVENTS = '/api/v1/projects/shop/web/events';

function exceptionEvent(type: string, fn: string, extra: Record<string, unknown> = {}) {
  return {
    level: 'error',
    environment: 'production',
    exception: {
      values: [
        {
          type,
          value: 'boom',
          stacktrace: { frames: [{ filename: 'app.js', function: fn, lineno: 10, in_app: true }] },
        },
      ],
    },
    ...extra,
  };
}

describe.skipIf(SKIP_PROFILE)('events API', () => {
  let h: TestHerald;
  const rows = async (table: 'events' | 'issues' | 'jobs') =>
    h.engine.store.db.selectFrom(table).selectAll().execute();

  beforeAll(async () => {
    // Role api: no worker takes the jobs away, so the test sees the job row ingest wrote.
    h = await startHerald({ role: 'api' });
    await h.request('POST', '/api/v1/orgs', { slug: 'shop' });
    await h.request('POST', '/api/v1/orgs/shop/projects', { slug: 'web' });
    await h.request('POST', '/api/v1/orgs', { slug: 'rival' });
    await h.request('POST', '/api/v1/orgs/rival/projects', { slug: 'web' });
  });
  afterAll(() => h?.close());

  it('ingests an event into a new issue and writes its evaluation job before answering', async () => {
    const res = await h.request('POST', EVENTS, exceptionEvent('TypeError', 'checkout'));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ isNew: true, isRegression: false });
    expect(res.body.eventId).toMatch(/^[0-9a-f]{32}$/);

    const issue = await h.request('GET', `/api/v1/issues/${res.body.issueId}`);
    expect(issue.body).toMatchObject({
      title: 'TypeError: boom',
      culprit: 'app.js in checkout',
      level: 'error',
      status: 'unresolved',
      timesSeen: 1,
      environments: [{ name: 'production' }],
    });
    const stored = (await rows('events')).find((e) => e.event_id === res.body.eventId);
    const jobs = await rows('jobs');
    const job = jobs.find((j) => j.id === `evaluate:${stored?.id}`);
    expect(job?.kind).toBe('evaluate-event');
    expect(JSON.parse(job?.payload ?? '{}')).toEqual({
      eventId: stored?.id,
      projectId: stored?.project_id,
      issueId: res.body.issueId,
      isNew: true,
      isRegression: false,
      isReappeared: false,
      isNewInEnvironment: true,
    });

    const again = await h.request('POST', EVENTS, exceptionEvent('TypeError', 'checkout'));
    expect(again.body).toMatchObject({ issueId: res.body.issueId, isNew: false });
  });

  it('accepts a repeated event_id once and answers with the original event and issue', async () => {
    const event = { event_id: 'ab'.repeat(16), message: 'Order 1234 failed for bob@example.com' };
    const first = await h.request('POST', EVENTS, event);
    const second = await h.request('POST', EVENTS, { ...event, message: 'something else entirely' });
    expect(second.status).toBe(202);
    expect(second.body).toEqual({ ...first.body, isNew: false });
    expect((await rows('events')).filter((e) => e.event_id === event.event_id)).toHaveLength(1);
    const issue = await h.request('GET', `/api/v1/issues/${first.body.issueId}`);
    expect(issue.body.timesSeen).toBe(1);
  });

  it('replays an Idempotency-Key with the first answer and stores one event', async () => {
    const headers = { 'idempotency-key': 'evt-1' };
    const body = { message: 'idempotent one' };
    const first = await h.request('POST', EVENTS, body, { headers });
    const second = await h.request('POST', EVENTS, body, { headers });
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect((await rows('events')).filter((e) => e.issue_id === first.body.issueId)).toHaveLength(1);
  });

  it('rejects wrong types with the path of each bad field and writes nothing', async () => {
    const before = (await rows('events')).length;
    const bad = exceptionEvent('TypeError', 'pay', { level: 'loud', tags: { browser: 7.5, os: { x: 1 } } });
    bad.exception.values[0]!.stacktrace.frames.push({
      filename: 'a.js',
      function: 'f',
      lineno: 'ten' as unknown as number,
      in_app: true,
    });
    const res = await h.request('POST', EVENTS, { ...bad, timestamp: 'yesterday' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    const paths = res.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['exception.values.0.stacktrace.frames.1.lineno', 'level', 'tags.os', 'timestamp']);
    expect((await rows('events')).length).toBe(before);
  });

  it('refuses over-long values, naming each field and its limit, and writes nothing', async () => {
    const before = (await rows('events')).length;
    const long = exceptionEvent('QuotaError', 'charge', {
      server_name: `web-${'h'.repeat(600)}`,
      user: { id: 'user-7', email: `${'e'.repeat(80)}@shop.test` },
    });
    long.exception.values[0]!.value = `Quota exceeded for ${'q'.repeat(9000)}`;
    const res = await h.request('POST', EVENTS, long);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
    expect(res.body.error.details.sort(byPath)).toEqual([
      { path: 'exception.values.0.value', message: 'must have at most 8192 characters' },
      { path: 'server_name', message: 'must have at most 256 characters' },
      { path: 'user.email', message: 'must have at most 75 characters' },
    ]);
    const batch = await h.request('POST', `${EVENTS}/batch`, { events: [{ message: 'fine' }, long] });
    expect(batch.status).toBe(400);
    expect(batch.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'events.1.exception.values.0.value',
      'events.1.server_name',
      'events.1.user.email',
    ]);
    expect((await rows('events')).length).toBe(before);
  });

  it('ingests a batch in one transaction, or nothing when one event is invalid', async () => {
    const events = [
      { message: 'batch A 1' },
      { message: 'batch A 2' },
      { message: 'batch B', event_id: 'cd'.repeat(16) },
      { message: 'batch B', event_id: 'cd'.repeat(16) },
    ];
    const res = await h.request('POST', `${EVENTS}/batch`, { events });
    expect(res.status).toBe(202);
    const [a1, a2, b, bAgain] = res.body.results;
    expect(a1.issueId).toBe(a2.issueId);
    expect([a1.isNew, a2.isNew, b.isNew, bAgain.isNew]).toEqual([true, false, true, false]);
    expect(bAgain).toEqual({ ...b, isNew: false });

    const before = (await rows('events')).length;
    const bad = await h.request('POST', `${EVENTS}/batch`, {
      events: [{ message: 'fine' }, { message: 'bad', level: 3 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('events.1.level');
    expect((await rows('events')).length).toBe(before);
  });

  it("answers 404 to another organization's key and to unknown projects", async () => {
    const key = (await h.request('POST', '/api/v1/orgs/rival/api-keys', { name: 'k' })).body.token;
    const other = await h.request('POST', EVENTS, { message: 'sneaky' }, { token: key });
    expect(other.status).toBe(404);
    const own = await h.request(
      'POST',
      '/api/v1/projects/rival/web/events',
      { message: 'own' },
      { token: key },
    );
    expect(own.status).toBe(202);
    const missing = await h.request('POST', '/api/v1/projects/shop/nope/events', { message: 'x' });
    expect(missing.status).toBe(404);
    const anonymous = await h.request('POST', EVENTS, { message: 'x' }, { token: null });
    expect(anonymous.status).toBe(401);
  });

  it('makes one issue of 20 concurrent first events of a new fingerprint', async () => {
    const body = { message: 'race', fingerprint: ['race-condition-test'] };
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.request('POST', EVENTS, body)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const issueIds = new Set(answers.map((a) => a.body.issueId));
    expect(issueIds.size).toBe(1);
    expect(answers.filter((a) => a.body.isNew)).toHaveLength(1);
    const issue = await h.request('GET', `/api/v1/issues/${[...issueIds][0]}`);
    expect(issue.body.timesSeen).toBe(20);
  });
});
