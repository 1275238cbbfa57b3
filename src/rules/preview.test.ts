import { describe, expect, it } from 'vitest';
import type { IssueStatus, Level } from '../events/event.js';
import type { RuleInput } from './condition.js';
import { memoryFrequency } from './memory-frequency.js';
import { previewRule } from './preview.js';
import { type RuleLogic, ruleBodySchema } from './rule-schema.js';
import { makeEvent, makeInput, makeIssue, T0 } from './test-fixtures.js';

const MINUTE = 60_000;

function logic(body: Record<string, unknown>): RuleLogic {
  return ruleBodySchema.parse({ name: 'preview', actions: [{ id: 'webhook', integration: 'w' }], ...body });
}

interface Past {
  readonly issue: string;
  readonly minute: number;
  readonly environment?: string;
  readonly status?: IssueStatus;
  readonly level?: Level;
}

/** Past events as the engine saw them, each counted before it was evaluated. */
function timeline(events: readonly Past[]): RuleInput[] {
  const frequency = memoryFrequency();
  const seen = new Map<string, number>();
  return events.map(
    ({ issue, minute, environment = 'production', status = 'unresolved', level = 'error' }) => {
      const at = T0 + minute * MINUTE;
      const event = makeEvent({ timestamp: at, environment, level });
      frequency.record(issue, event);
      const timesSeen = (seen.get(issue) ?? 0) + 1;
      seen.set(issue, timesSeen);
      return makeInput({
        event,
        issue: makeIssue({ id: issue, status, timesSeen, firstSeen: T0 }),
        outcome: { isNew: timesSeen === 1 },
        now: at,
        frequency,
      });
    },
  );
}

describe('previewRule', () => {
  it('fires at most once per action interval per issue', async () => {
    const past = timeline([
      { issue: 'a', minute: 0 },
      { issue: 'b', minute: 5 },
      { issue: 'a', minute: 10 },
      { issue: 'a', minute: 31 },
      { issue: 'a', minute: 45 },
      { issue: 'b', minute: 50 },
      { issue: 'a', minute: 62 },
    ]);
    const fired = await previewRule(logic({ frequency: 30, conditions: [{ id: 'every_event' }] }), past);
    expect(Object.fromEntries(fired)).toEqual({ a: 3, b: 2 });
  });

  it('fires on every matching event with frequency 0', async () => {
    const past = timeline([0, 0, 1, 2].map((minute) => ({ issue: 'a', minute })));
    const fired = await previewRule(logic({ frequency: 0, conditions: [{ id: 'every_event' }] }), past);
    expect(fired.get('a')).toBe(4);
  });

  it('starts the interval only when the rule fired, not when it was looked at', async () => {
    const past = timeline([
      { issue: 'a', minute: 0, level: 'warning' },
      { issue: 'a', minute: 1 },
      { issue: 'a', minute: 2 },
      { issue: 'a', minute: 40 },
    ]);
    const rule = logic({ frequency: 30, filters: [{ id: 'level', match: 'gte', level: 'error' }] });
    expect((await previewRule(rule, past)).get('a')).toBe(2);
  });

  it('skips other environments and issues that are not unresolved, and leaves out issues never fired on', async () => {
    const past = timeline([
      { issue: 'a', minute: 0, environment: 'staging' },
      { issue: 'b', minute: 1, status: 'resolved' },
      { issue: 'c', minute: 2, status: 'ignored' },
      { issue: 'd', minute: 3 },
    ]);
    const rule = logic({ environment: 'production', frequency: 0 });
    expect(Object.fromEntries(await previewRule(rule, past))).toEqual({ d: 1 });
  });

  it('replays frequency conditions against the counts of their time', async () => {
    const past = timeline([0, 0.1, 0.2, 0.3, 0.4, 10, 10.1, 10.2].map((minute) => ({ issue: 'a', minute })));
    const rule = logic({ frequency: 5, conditions: [{ id: 'event_frequency', value: 2, interval: '1m' }] });
    // Third event at 0.2 crosses 2; the burst at 10 crosses again after the interval has passed.
    expect((await previewRule(rule, past)).get('a')).toBe(2);
  });
});
