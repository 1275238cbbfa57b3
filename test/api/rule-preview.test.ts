import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock } from '../../src/clock.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const HOUR = 3_600_000;

/** A preview replays stored events through an unsaved rule: what it would have fired on, sending nothing. */
describe.skipIf(SKIP_PROFILE)('rule preview API', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let keyOther: string;
  const paths = (answer: { body: { error: { details: { path: string }[] } } }) =>
    answer.body.error.details.map((d) => d.path);
  const PREVIEW = '/api/v1/projects/acme/replay/rules/preview';
  const DAY = 24 * HOUR;
  const MINUTE = 60_000;
  const issueIds: Record<string, string> = {};
  let notificationsBefore: number;

  const event = (type: string, fn: string, environment = 'production') => ({
    environment,
    tags: { browser: type === 'TypeError' ? 'Chrome' : 'Firefox' },
    exception: {
      values: [
        {
          type,
          value: 'boom',
          stacktrace: { frames: [{ filename: 'app.js', function: fn, in_app: true }] },
        },
      ],
    },
  });
  const ingest = async (name: string, body: object) => {
    const answer = await h.request('POST', '/api/v1/projects/acme/replay/events', body);
    expect(answer.status).toBe(202);
    issueIds[name] = answer.body.issueId;
  };
  const fired = (answer: { body: { data: { issueId: string; fired: number }[] } }) =>
    Object.fromEntries(
      answer.body.data.map((d) => [Object.keys(issueIds).find((k) => issueIds[k] === d.issueId), d.fired]),
    );
  const countNotifications = async () =>
    (await h.engine.store.db.selectFrom('notifications').select('id').execute()).length;

  beforeAll(async () => {
    clock = manualClock('2026-03-01T09:00:00Z');
    h = await startHerald({}, { clock });
    for (const org of ['acme', 'other']) await h.request('POST', '/api/v1/orgs', { slug: org });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'replay' });
    keyOther = (await h.request('POST', '/api/v1/orgs/other/api-keys', { name: 'other' })).body.token;
    // "old" happens once two days before the rest, then again with them.
    await ingest('old', event('RangeError', 'legacy'));
    clock.advance(2 * DAY);
    await ingest('old', event('RangeError', 'legacy'));
    await ingest('a', event('TypeError', 'checkout'));
    clock.advance(5 * MINUTE);
    await ingest('a', event('TypeError', 'checkout'));
    clock.advance(5 * MINUTE);
    await ingest('b', event('SyntaxError', 'parse', 'staging'));
    clock.advance(30 * MINUTE);
    await ingest('a', event('TypeError', 'checkout'));
    clock.advance(5 * MINUTE);
    await ingest('b', event('SyntaxError', 'parse', 'staging'));
    clock.advance(MINUTE);
    notificationsBefore = await countNotifications();
  });
  afterAll(() => h?.close());

  it('replays the period through the rule, honouring the action interval', async () => {
    const answer = await h.request('POST', PREVIEW, {
      conditions: [{ id: 'every_event' }],
      frequency: 30,
      days: 1,
    });
    expect(answer.status).toBe(200);
    expect(fired(answer)).toEqual({ a: 2, b: 2, old: 1 });
    expect(answer.body.totalFired).toBe(5);
    expect(answer.body.eventsScanned).toBe(6);
    expect(answer.body.data[0]).toEqual({
      issueId: expect.any(String),
      title: expect.any(String),
      fired: 2,
    });
    const a = answer.body.data.find((d: { issueId: string }) => d.issueId === issueIds.a);
    expect(a.title).toContain('TypeError');
  });

  it('looks back 14 days by default', async () => {
    const answer = await h.request('POST', PREVIEW, { conditions: [{ id: 'every_event' }], frequency: 30 });
    expect(fired(answer)).toEqual({ a: 2, b: 2, old: 2 });
    expect(answer.body.eventsScanned).toBe(7);
  });

  it('knows which events were the first of their issue', async () => {
    const recent = await h.request('POST', PREVIEW, { conditions: [{ id: 'first_seen_event' }], days: 1 });
    expect(fired(recent)).toEqual({ a: 1, b: 1 });
    const all = await h.request('POST', PREVIEW, { conditions: [{ id: 'first_seen_event' }], days: 14 });
    expect(fired(all)).toEqual({ a: 1, b: 1, old: 1 });
  });

  it('applies the environment and filters', async () => {
    const production = await h.request('POST', PREVIEW, {
      environment: 'production',
      frequency: 0,
      days: 1,
    });
    expect(fired(production)).toEqual({ a: 3, old: 1 });
    const chrome = await h.request('POST', PREVIEW, {
      frequency: 0,
      filters: [{ id: 'tagged_event', key: 'browser', match: 'eq', value: 'chrome' }],
    });
    expect(fired(chrome)).toEqual({ a: 3 });
  });

  it('counts frequency windows from events before the period too', async () => {
    const rule = {
      conditions: [{ id: 'event_frequency', value: 1, interval: '1w' }],
      frequency: 0,
      days: 1,
    };
    const answer = await h.request('POST', PREVIEW, rule);
    // "old" had one event two days earlier: its event in the period is its second within the week.
    expect(fired(answer)).toEqual({ a: 2, b: 1, old: 1 });
  });

  it.each<[string, object, string[]]>([
    ['too many days', { days: 91 }, ['days']],
    ['no days', { days: 0 }, ['days']],
    ['an unknown condition', { conditions: [{ id: 'sometimes' }] }, ['conditions.0.id']],
    ['a bad frequency', { frequency: 43_201 }, ['frequency']],
  ])('refuses %s, naming the field', async (_what, body, expected) => {
    const answer = await h.request('POST', PREVIEW, body);
    expect(answer.status).toBe(400);
    expect(paths(answer)).toEqual(expected);
  });

  it("answers another organization's key as for a missing project", async () => {
    const foreign = await h.request('POST', PREVIEW, {}, { token: keyOther });
    const missing = await h.request(
      'POST',
      '/api/v1/projects/nowhere/replay/rules/preview',
      {},
      { token: keyOther },
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
  });

  it('sent and wrote nothing', async () => {
    expect((await h.request('GET', '/api/v1/projects/acme/replay/rules')).body.data).toEqual([]);
    expect(await countNotifications()).toBe(notificationsBefore);
  });
});
