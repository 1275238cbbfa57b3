import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A rule's history answers "why did no alert come for this event?" when the rule itself is the answer:
 * the issues it fired for, how often and when last, and until when its action interval keeps it quiet.
 */
describe.skipIf(SKIP_PROFILE)("a rule's history", () => {
  let h: TestHerald;
  const clock = manualClock(T0);
  let history = '';
  let memberToken = '';

  beforeAll(async () => {
    h = await startHerald({}, { clock });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' });
    const ana = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test' })).body
      .userId;
    memberToken = (await h.request('POST', `/api/v1/users/${ana}/tokens`, { name: 'cli' })).body.token;
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Every event, at most every 30 minutes',
      frequency: 30,
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: ana }],
    });
    expect(rule.status).toBe(201);
    history = `/api/v1/projects/acme/api/rules/${rule.body.id}/history`;
  });
  afterAll(async () => {
    await h?.close();
  });

  const event = async (message: string, at: number) => {
    clock.set(at);
    const r = await h.request('POST', '/api/v1/projects/acme/api/events', { message });
    expect(r.status).toBe(202);
    for (let i = 0; i < 3; i++) await h.engine.queue.drain();
    return r.body.issueId as string;
  };

  it('lists the issues it fired for, and until when it stays quiet about each', async () => {
    const a = await event('Checkout times out', T0);
    await event('Checkout times out', T0 + 5 * MINUTE); // within the interval: no firing
    const b = await event('Search index stale', T0 + 6 * MINUTE);
    clock.set(T0 + 10 * MINUTE);
    const answer = await h.request('GET', history);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      start: iso(T0 + 10 * MINUTE - 7 * 86_400_000),
      end: iso(T0 + 10 * MINUTE),
      data: [
        {
          issueId: b,
          title: 'Search index stale',
          status: 'unresolved',
          count: 1,
          lastTriggered: iso(T0 + 6 * MINUTE),
          quietUntil: iso(T0 + 36 * MINUTE),
        },
        {
          issueId: a,
          title: 'Checkout times out',
          status: 'unresolved',
          count: 1,
          lastTriggered: iso(T0),
          quietUntil: iso(T0 + 30 * MINUTE),
        },
      ],
    });

    // Past the interval the next event fires again; the quiet time runs from that firing.
    await event('Checkout times out', T0 + 31 * MINUTE);
    clock.set(T0 + 40 * MINUTE);
    const later = (await h.request('GET', history, undefined, { token: memberToken })).body.data;
    expect(later.map((r: { title: string; count: number }) => [r.title, r.count])).toEqual([
      ['Checkout times out', 2],
      ['Search index stale', 1],
    ]);
    expect(later[0].quietUntil).toBe(iso(T0 + 61 * MINUTE));
    expect(later[1].quietUntil).toBeNull();
  });

  it('looks back 7 days unless told otherwise', async () => {
    clock.set(T0 + 8 * 86_400_000);
    expect((await h.request('GET', history)).body.data).toEqual([]);
    expect((await h.request('GET', `${history}?days=9`)).body.data).toHaveLength(2);
    const bad = await h.request('GET', `${history}?days=0`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.details)).toContain('days');
    expect((await h.request('GET', '/api/v1/projects/acme/api/rules/rule_unknown/history')).status).toBe(404);
  });
});
