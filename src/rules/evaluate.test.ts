import { describe, expect, it } from 'vitest';
import { compileRule } from './evaluate.js';
import { type MatchMode, parseRuleBody } from './rule-schema.js';
import { makeEvent, makeInput, makeIssue, noCounts, T0 } from './test-fixtures.js';

const MINUTE = 60_000;

/** A rule from a body that only names what the test cares about. */
function rule(body: Record<string, unknown>) {
  return compileRule({
    id: 'r1',
    ...parseRuleBody({ name: 'test', actions: [{ id: 'webhook', integration: 'w1' }], ...body }),
  });
}

const yes = { id: 'tagged_event', key: 'browser', match: 'eq', value: 'chrome' };
const no = { id: 'tagged_event', key: 'browser', match: 'eq', value: 'firefox' };
const input = makeInput({ event: makeEvent({ tags: [['browser', 'Chrome']] }) });
const frequent = { id: 'event_frequency', value: 1, interval: '1m' };
const counting = (n: number) => {
  const reader = {
    calls: 0,
    async count() {
      reader.calls++;
      return n;
    },
  };
  return reader;
};

describe('appliesTo', () => {
  it('only lets unresolved issues through', () => {
    const r = rule({});
    expect(r.appliesTo(input)).toBe(true);
    expect(r.appliesTo(makeInput({ issue: makeIssue({ status: 'resolved' }) }))).toBe(false);
    expect(r.appliesTo(makeInput({ issue: makeIssue({ status: 'ignored' }) }))).toBe(false);
  });

  it("shows a rule with an environment only that environment's events", () => {
    const r = rule({ environment: 'production' });
    expect(r.environment).toBe('production');
    expect(r.appliesTo(makeInput({ event: makeEvent({ environment: 'production' }) }))).toBe(true);
    expect(r.appliesTo(makeInput({ event: makeEvent({ environment: 'staging' }) }))).toBe(false);
    expect(r.appliesTo(makeInput({ event: makeEvent({ environment: null }) }))).toBe(false);
    expect(rule({}).appliesTo(makeInput({ event: makeEvent({ environment: null }) }))).toBe(true);
  });
});

describe('isWithinActionInterval', () => {
  it('holds for frequency minutes after the last firing', () => {
    const r = rule({ frequency: 30 });
    expect(r.isWithinActionInterval(null, T0)).toBe(false);
    expect(r.isWithinActionInterval(T0 - 29 * MINUTE, T0)).toBe(true);
    expect(r.isWithinActionInterval(T0 - 30 * MINUTE, T0)).toBe(false);
    expect(r.isWithinActionInterval(T0 - 31 * MINUTE, T0)).toBe(false);
  });

  it('never holds with frequency 0', () => {
    expect(rule({ frequency: 0 }).isWithinActionInterval(T0, T0)).toBe(false);
  });
});

describe('matches', () => {
  const modes: [MatchMode, object[], boolean][] = [
    ['all', [yes, yes], true],
    ['all', [yes, no], false],
    ['any', [no, yes], true],
    ['any', [no, no], false],
    ['none', [no, no], true],
    ['none', [no, yes], false],
    ['all', [], true],
    ['any', [], true],
    ['none', [], true],
  ];

  it.each(modes)('filterMatch %s over %j → %s', (filterMatch, filters, expected) => {
    expect(rule({ filterMatch, filters }).matches(input)).toBe(expected);
  });

  it.each(modes)('actionMatch %s over conditions equivalent to %j → %s', (actionMatch, nodes, expected) => {
    const conditions = nodes.map((n) => (n === yes ? { id: 'every_event' } : { id: 'first_seen_event' }));
    expect(rule({ actionMatch, conditions }).matches(input)).toBe(expected);
  });

  it('needs both stages to pass', () => {
    const both = (filters: object[], conditions: object[]) => rule({ filters, conditions }).matches(input);
    expect(both([yes], [{ id: 'every_event' }])).toBe(true);
    expect(both([no], [{ id: 'every_event' }])).toBe(false);
    expect(both([yes], [{ id: 'regression_event' }])).toBe(false);
  });

  it('stays synchronous for rules that read no counts', () => {
    const r = rule({
      filters: [yes, { id: 'level', match: 'gte', level: 'error' }],
      conditions: [{ id: 'every_event' }],
    });
    expect(r.async).toBe(false);
    expect(typeof r.matches(input)).toBe('boolean');
  });

  it('lets synchronous conditions settle the stage before any count is read', () => {
    const any = rule({ actionMatch: 'any', conditions: [frequent, { id: 'every_event' }] });
    expect(any.async).toBe(true);
    expect(any.matches(makeInput({ frequency: noCounts }))).toBe(true);
    const all = rule({ actionMatch: 'all', conditions: [frequent, { id: 'first_seen_event' }] });
    expect(all.matches(makeInput({ frequency: noCounts }))).toBe(false);
    const filtered = rule({ filters: [no], conditions: [frequent] });
    expect(filtered.matches(makeInput({ frequency: noCounts }))).toBe(false);
  });

  it('reads counts when they decide, and stops at the first one that settles the stage', async () => {
    const many = counting(5);
    const any = rule({ actionMatch: 'any', conditions: [frequent, { ...frequent, value: 2 }] });
    await expect(any.matches(makeInput({ frequency: many }))).resolves.toBe(true);
    expect(many.calls).toBe(1);

    const few = counting(1);
    const all = rule({ actionMatch: 'all', conditions: [{ id: 'every_event' }, frequent, frequent] });
    await expect(all.matches(makeInput({ frequency: few }))).resolves.toBe(false);
    expect(few.calls).toBe(1);

    const none = rule({ actionMatch: 'none', conditions: [frequent] });
    await expect(none.matches(makeInput({ frequency: counting(1) }))).resolves.toBe(true);
    await expect(none.matches(makeInput({ frequency: counting(2) }))).resolves.toBe(false);
  });

  it('passes a counter failure on to the caller', async () => {
    const r = rule({ conditions: [frequent] });
    await expect(r.matches(makeInput({ frequency: noCounts }))).rejects.toThrow('frequency was read');
  });
});
