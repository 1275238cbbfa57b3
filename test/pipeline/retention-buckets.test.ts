import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Retention removes an issue's frequency buckets (its events and users per minute and hour, what
 * frequency conditions count) once they are older than the retention age, sweep after sweep, and only
 * those: an issue's buckets are counted when its events arrive, whatever time the events say they
 * happened at.
 */
describe.skipIf(SKIP_PROFILE)('retention of frequency buckets', () => {
  let h: TestHerald;
  let clock: ManualClock;

  beforeAll(async () => {
    h = await startHerald();
    clock = h.clock as ManualClock;
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' });
  });
  afterAll(() => h?.close());

  const send = async (message: string, timestamp?: number) => {
    const answer = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message,
      user: { id: 'ana' },
      ...(timestamp === undefined ? {} : { timestamp: timestamp / 1000 }),
    });
    expect(answer.status, answer.text).toBe(202);
    await h.engine.queue.drain();
    return answer.body.issueId as string;
  };
  /** The starts of an issue's buckets in both tables, oldest first. */
  const buckets = async (issueId: string) => {
    const { db } = h.engine.store;
    const starts = async (table: 'issue_counts' | 'issue_user_buckets') =>
      (
        await db
          .selectFrom(table)
          .select('bucket_start')
          .where('issue_id', '=', issueId)
          .orderBy('bucket_start')
          .execute()
      ).map((r) => Number(r.bucket_start));
    return { counts: await starts('issue_counts'), users: await starts('issue_user_buckets') };
  };
  const sweep = () => h.engine.services.analytics.retention.prune();

  it('removes buckets past the retention age in each sweep, also of an issue whose events say they are older', async () => {
    const issue = await send('Checkout failed');
    const quiet = await send('Search timed out');
    // Ten days on the issue happens again, in an event that says it happened three weeks before: its
    // buckets are of its arrival, and the issue was last seen at its first event.
    clock.advance(10 * DAY);
    const arrived = clock.now();
    expect(await send('Checkout failed', arrived - 20 * DAY)).toBe(issue);
    const arrivedHour = Math.floor(arrived / HOUR) * HOUR;

    // An hour before the later buckets pass the 30 days: only the first event's go.
    clock.set(arrived + 30 * DAY - HOUR);
    const firstSweep = await sweep();
    expect(firstSweep).toMatchObject({ issue_counts: 4, issue_user_buckets: 4 });
    expect((await buckets(issue)).counts.every((start) => start >= arrivedHour)).toBe(true);
    expect(await buckets(quiet)).toEqual({ counts: [], users: [] });
    expect((await buckets(issue)).counts).toHaveLength(2);

    // Two hours later they have passed it too, and the next sweep removes them.
    clock.set(arrived + 30 * DAY + HOUR);
    expect(await sweep()).toMatchObject({ issue_counts: 2, issue_user_buckets: 2 });
    expect(await buckets(issue)).toEqual({ counts: [], users: [] });
  });
});
