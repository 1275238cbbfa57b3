import { describe, expect, it } from 'vitest';
import type { Level } from '../../events/event.js';
import { compileRule } from '../evaluate.js';
import { ruleBodySchema } from '../rule-schema.js';
import { filterPasses, makeEvent, makeInput, makeIssue, T0 } from '../test-fixtures.js';

const MINUTE = 60_000;
const atLevel = (level: Level) => makeInput({ event: makeEvent({ level }) });

describe('level', () => {
  it.each([
    ['eq', 'error', 'error', true],
    ['eq', 'ERROR', 'error', true],
    ['eq', '40', 'error', true],
    ['eq', 'warning', 'error', false],
    ['gte', 'warning', 'error', true],
    ['gte', 'error', 'error', true],
    ['gte', 'fatal', 'error', false],
    ['gte', '50', 'fatal', true],
    ['lte', 'info', 'debug', true],
    ['lte', '20', 'warning', false],
    ['lte', 'error', 'error', true],
  ] as const)('%s %s on a %s event → %s', (match, level, eventLevel, expected) => {
    expect(filterPasses({ id: 'level', match, level }, atLevel(eventLevel))).toBe(expected);
  });
});

describe('age_comparison', () => {
  const agedInput = (ageMs: number) => makeInput({ issue: makeIssue({ firstSeen: T0 - ageMs }), now: T0 });
  const age = (comparisonType: string, value: number, time: string) => ({
    id: 'age_comparison',
    comparisonType,
    value,
    time,
  });

  it('compares the issue age with value × unit, strictly on both sides', () => {
    expect(filterPasses(age('older', 10, 'minute'), agedInput(11 * MINUTE))).toBe(true);
    expect(filterPasses(age('older', 10, 'minute'), agedInput(10 * MINUTE))).toBe(false);
    expect(filterPasses(age('newer', 10, 'minute'), agedInput(10 * MINUTE))).toBe(false);
    expect(filterPasses(age('newer', 10, 'minute'), agedInput(9 * MINUTE))).toBe(true);
  });

  it.each([
    ['hour', 60 * MINUTE],
    ['day', 24 * 60 * MINUTE],
    ['week', 7 * 24 * 60 * MINUTE],
  ])('knows how long a %s is', (time, unit) => {
    expect(filterPasses(age('older', 2, time), agedInput(2 * unit + 1))).toBe(true);
    expect(filterPasses(age('older', 2, time), agedInput(2 * unit - 1))).toBe(false);
    expect(filterPasses(age('newer', 2, time), agedInput(2 * unit - 1))).toBe(true);
  });

  it('measures from the input time, not the wall clock', () => {
    const issue = makeIssue({ firstSeen: T0 });
    const node = age('older', 1, 'hour');
    expect(filterPasses(node, makeInput({ issue, now: T0 + 30 * MINUTE }))).toBe(false);
    expect(filterPasses(node, makeInput({ issue, now: T0 + 61 * MINUTE }))).toBe(true);
  });
});

describe('issue_occurrences', () => {
  it('passes once times seen, this event included, reaches the value', () => {
    const node = { id: 'issue_occurrences', value: 3 };
    expect(filterPasses(node, makeInput({ issue: makeIssue({ timesSeen: 2 }) }))).toBe(false);
    expect(filterPasses(node, makeInput({ issue: makeIssue({ timesSeen: 3 }) }))).toBe(true);
    expect(filterPasses(node, makeInput({ issue: makeIssue({ timesSeen: 40 }) }))).toBe(true);
  });
});

describe('assigned_to', () => {
  const assigned = (assignee: { type: 'user' | 'team'; id: string } | null) =>
    makeInput({ issue: makeIssue({ assignee }) });

  it('tells unassigned issues apart', () => {
    const node = { id: 'assigned_to', targetType: 'Unassigned' };
    expect(filterPasses(node, assigned(null))).toBe(true);
    expect(filterPasses(node, assigned({ type: 'user', id: 'u1' }))).toBe(false);
  });

  it('matches the named team or member, and not a member and team that share an id', () => {
    const team = { id: 'assigned_to', targetType: 'Team', targetIdentifier: 't1' };
    const member = { id: 'assigned_to', targetType: 'Member', targetIdentifier: 't1' };
    expect(filterPasses(team, assigned({ type: 'team', id: 't1' }))).toBe(true);
    expect(filterPasses(team, assigned({ type: 'team', id: 't2' }))).toBe(false);
    expect(filterPasses(team, assigned({ type: 'user', id: 't1' }))).toBe(false);
    expect(filterPasses(member, assigned({ type: 'user', id: 't1' }))).toBe(true);
    expect(filterPasses(member, assigned(null))).toBe(false);
  });
});

describe('latest_release', () => {
  const node = { id: 'latest_release' };
  const from = (release: string | null, latestRelease: string | null) =>
    makeInput({ event: makeEvent({ release }), latestRelease });

  it("passes events of the project's latest release, in any case", () => {
    expect(filterPasses(node, from('app@2.0', 'app@2.0'))).toBe(true);
    expect(filterPasses(node, from('APP@2.0', 'app@2.0'))).toBe(true);
    expect(filterPasses(node, from('app@1.9', 'app@2.0'))).toBe(false);
  });

  it('fails when either side has no release', () => {
    expect(filterPasses(node, from(null, 'app@2.0'))).toBe(false);
    expect(filterPasses(node, from('app@2.0', null))).toBe(false);
  });

  it('reads a latest release given as a function only when it gets that far', async () => {
    const reads: string[] = [];
    const lazy = (release: string | null, level: Level) =>
      makeInput({
        event: makeEvent({ release: 'app@2.0', level }),
        latestRelease: () => {
          reads.push(String(release));
          return Promise.resolve(release);
        },
      });
    const rule = (level: string) =>
      compileRule({
        ...ruleBodySchema.parse({
          name: 'r',
          actions: [{ id: 'webhook', integration: 'w' }],
          filters: [node, { id: 'level', match: 'eq', level }],
        }),
        id: 'r',
      });
    // The level filter fails first: the release is never read.
    expect(rule('fatal').matches(lazy('app@2.0', 'error'))).toBe(false);
    expect(reads).toEqual([]);
    expect(await rule('error').matches(lazy('app@2.0', 'error'))).toBe(true);
    expect(await rule('error').matches(lazy('app@1.9', 'error'))).toBe(false);
    expect(await rule('error').matches(lazy(null, 'error'))).toBe(false);
    expect(reads).toEqual(['app@2.0', 'app@1.9', 'null']);
  });
});

describe('issue_category', () => {
  it("compares the issue's category", () => {
    const node = { id: 'issue_category', value: 'performance' };
    expect(filterPasses(node, makeInput({ issue: makeIssue({ category: 'performance' }) }))).toBe(true);
    expect(filterPasses(node, makeInput({ issue: makeIssue({ category: 'error' }) }))).toBe(false);
  });
});
