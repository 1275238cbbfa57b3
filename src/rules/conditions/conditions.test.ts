import { describe, expect, it } from 'vitest';
import type { FrequencyReader } from '../condition.js';
import { memoryFrequency } from '../memory-frequency.js';
import { conditionPasses, makeEvent, makeInput, makeIssue, noCounts, T0 } from '../test-fixtures.js';
import { percentIncrease } from './frequency-window.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('event conditions', () => {
  it('every_event always passes', () => {
    expect(conditionPasses({ id: 'every_event' }, makeInput())).toBe(true);
  });

  it('first_seen_event follows the issue, or the issue in the environment for a rule that has one', () => {
    const node = { id: 'first_seen_event' };
    const newIssue = makeInput({ outcome: { isNew: true, isNewInEnvironment: true } });
    const newHere = makeInput({ outcome: { isNew: false, isNewInEnvironment: true } });
    expect(conditionPasses(node, newIssue)).toBe(true);
    expect(conditionPasses(node, newHere)).toBe(false);
    expect(conditionPasses(node, newHere, 'production')).toBe(true);
    expect(conditionPasses(node, makeInput({ outcome: { isNew: true } }), 'production')).toBe(false);
  });

  it('regression_event and reappeared_event follow what ingest did', () => {
    expect(conditionPasses({ id: 'regression_event' }, makeInput({ outcome: { isRegression: true } }))).toBe(
      true,
    );
    expect(conditionPasses({ id: 'regression_event' }, makeInput({ outcome: { isReappeared: true } }))).toBe(
      false,
    );
    expect(conditionPasses({ id: 'reappeared_event' }, makeInput({ outcome: { isReappeared: true } }))).toBe(
      true,
    );
    expect(conditionPasses({ id: 'reappeared_event' }, makeInput())).toBe(false);
  });

  it('new_high_priority_issue passes for a new issue of high priority only, in the rule environment', () => {
    const node = { id: 'new_high_priority_issue' };
    const high = makeIssue({ priority: 'high' });
    const medium = makeIssue({ priority: 'medium' });
    const newIssue = { isNew: true, isNewInEnvironment: true };
    expect(conditionPasses(node, makeInput({ issue: high, outcome: newIssue }))).toBe(true);
    expect(conditionPasses(node, makeInput({ issue: medium, outcome: newIssue }))).toBe(false);
    expect(
      conditionPasses(node, makeInput({ issue: makeIssue({ priority: 'low' }), outcome: newIssue })),
    ).toBe(false);
    expect(conditionPasses(node, makeInput({ issue: high }))).toBe(false);
    const newHere = makeInput({ issue: high, outcome: { isNew: false, isNewInEnvironment: true } });
    expect(conditionPasses(node, newHere)).toBe(false);
    expect(conditionPasses(node, newHere, 'production')).toBe(true);
    expect(conditionPasses(node, makeInput({ issue: high, outcome: { isNew: true } }), 'production')).toBe(
      false,
    );
  });

  it('existing_high_priority_issue passes when an ignored issue of high priority comes back', () => {
    const node = { id: 'existing_high_priority_issue' };
    const high = makeIssue({ priority: 'high' });
    expect(conditionPasses(node, makeInput({ issue: high, outcome: { isReappeared: true } }))).toBe(true);
    expect(
      conditionPasses(
        node,
        makeInput({ issue: makeIssue({ priority: 'medium' }), outcome: { isReappeared: true } }),
      ),
    ).toBe(false);
    expect(conditionPasses(node, makeInput({ issue: high, outcome: { isRegression: true } }))).toBe(false);
    expect(conditionPasses(node, makeInput({ issue: high, outcome: { isNew: true } }))).toBe(false);
    expect(conditionPasses(node, makeInput({ issue: high }))).toBe(false);
  });
});

/** Ingests events at the given offsets from T0 into one issue and evaluates `node` after each one. */
async function replay(
  node: object,
  events: { at: number; user?: string; environment?: string }[],
  environment: string | null = null,
): Promise<boolean[]> {
  const frequency = memoryFrequency();
  const results: boolean[] = [];
  for (const [index, { at, user, environment: env = 'production' }] of events.entries()) {
    const event = makeEvent({ timestamp: T0 + at, environment: env, user: user ? { id: user } : null });
    frequency.record('i1', event);
    const input = makeInput({
      event,
      issue: makeIssue({ timesSeen: index + 1, firstSeen: T0 }),
      outcome: { isNew: index === 0 },
      now: T0 + at,
      frequency,
    });
    results.push(await conditionPasses(node, input, environment));
  }
  return results;
}

describe('event_frequency', () => {
  const more = (value: number, interval = '1m') => ({ id: 'event_frequency', value, interval });

  it('passes once the window holds strictly more events than the value, this event counted', async () => {
    const results = await replay(more(2), [
      { at: 0 },
      { at: 10 * SECOND },
      { at: 20 * SECOND },
      { at: 30 * SECOND },
    ]);
    expect(results).toEqual([false, false, true, true]);
  });

  it('forgets events once they leave the window', async () => {
    const results = await replay(more(1), [
      { at: 0 },
      { at: 30 * SECOND },
      { at: 90 * SECOND },
      { at: 3 * MINUTE },
    ]);
    expect(results).toEqual([false, true, false, false]);
  });

  it('keeps an event exactly one interval old out of the window', async () => {
    expect(await replay(more(1), [{ at: 0 }, { at: MINUTE }])).toEqual([false, false]);
    expect(await replay(more(1), [{ at: 0 }, { at: MINUTE - 1 }])).toEqual([false, true]);
  });

  it('never lets a brand new issue pass a threshold above 1, without reading counts', () => {
    const input = makeInput({ outcome: { isNew: true }, frequency: noCounts });
    expect(conditionPasses(more(5), input)).toBe(false);
  });

  it('lets a brand new issue pass a threshold of 0: its own event counts', async () => {
    expect(await replay(more(0), [{ at: 0 }])).toEqual([true]);
  });

  it('asks the reader for the half-open window ending just after now, narrowed to the rule environment', async () => {
    const queries: Parameters<FrequencyReader['count']>[0][] = [];
    const frequency: FrequencyReader = {
      count: async (q) => {
        queries.push(q);
        return 10;
      },
    };
    const input = makeInput({ now: T0, frequency });
    expect(await conditionPasses(more(9, '1h'), input)).toBe(true);
    expect(await conditionPasses(more(9, '1h'), input, 'production')).toBe(true);
    expect(queries).toEqual([
      { issueId: 'i1', kind: 'events', from: T0 + 1 - HOUR, to: T0 + 1 },
      { issueId: 'i1', kind: 'events', from: T0 + 1 - HOUR, to: T0 + 1, environment: 'production' },
    ]);
  });

  it("counts only the rule environment's events", async () => {
    const events = [
      { at: 0, environment: 'staging' },
      { at: SECOND, environment: 'staging' },
      { at: 2 * SECOND, environment: 'production' },
      { at: 3 * SECOND, environment: 'production' },
    ];
    expect(await replay(more(1), events, 'production')).toEqual([false, false, false, true]);
    expect(await replay(more(1), events)).toEqual([false, true, true, true]);
  });

  describe('percent comparison', () => {
    const growth = (value: number) => ({
      id: 'event_frequency',
      value,
      interval: '1h',
      comparisonType: 'percent',
      comparisonInterval: '1d',
    });
    const yesterday = [{ at: -DAY - 2 * MINUTE }, { at: -DAY - MINUTE }];

    it('compares with the same window one comparison interval earlier', async () => {
      const today = [0, 1, 2, 3, 4].map((m) => ({ at: m * MINUTE }));
      const results = await replay(growth(100), [...yesterday, ...today]);
      // 2 events yesterday; today 1, 2, 3, 4, 5 → −50 %, 0 %, 50 %, 100 %, 150 %.
      expect(results.slice(2)).toEqual([false, false, false, false, true]);
    });

    it('treats growth from nothing as passing any threshold', async () => {
      const results = await replay(growth(1000), [{ at: -3 * DAY }, { at: 0 }]);
      expect(results).toEqual([false, true]);
    });

    it('computes whole, non-negative percentages', () => {
      expect(percentIncrease(0, 0)).toBe(0);
      expect(percentIncrease(1, 0)).toBe(Number.POSITIVE_INFINITY);
      expect(percentIncrease(1, 2)).toBe(0);
      expect(percentIncrease(3, 2)).toBe(50);
      expect(percentIncrease(5, 3)).toBe(66);
    });
  });
});

describe('event_unique_user_frequency', () => {
  const users = (value: number) => ({ id: 'event_unique_user_frequency', value, interval: '5m' });

  it('counts distinct users, not events, and skips events without a user', async () => {
    const results = await replay(users(1), [
      { at: 0, user: 'a' },
      { at: SECOND, user: 'a' },
      { at: 2 * SECOND },
      { at: 3 * SECOND, user: 'b' },
    ]);
    expect(results).toEqual([false, false, false, true]);
  });

  it('forgets users who left the window', async () => {
    const results = await replay(users(1), [
      { at: 0, user: 'a' },
      { at: MINUTE, user: 'b' },
      { at: 6 * MINUTE, user: 'c' },
    ]);
    expect(results).toEqual([false, true, false]);
  });
});
