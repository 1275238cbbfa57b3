import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMatch, matchValues, NEGATIONS, parseList } from './match.js';
import type { MatchOperator } from './rule-schema.js';

describe('string operators', () => {
  const cases: [MatchOperator, string, string[], boolean][] = [
    ['eq', 'Chrome', ['chrome'], true],
    ['eq', 'chrome', ['CHROME'], true],
    ['eq', 'chrome', ['chromium'], false],
    ['ne', 'chrome', ['firefox'], true],
    ['ne', 'chrome', ['Chrome'], false],
    ['sw', 'chr', ['Chrome 120'], true],
    ['sw', 'rome', ['Chrome'], false],
    ['nsw', 'chr', ['Chrome'], false],
    ['nsw', 'fire', ['Chrome'], true],
    ['ew', 'ROME', ['chrome'], true],
    ['ew', 'chr', ['chrome'], false],
    ['new', 'rome', ['chrome'], false],
    ['new', 'fox', ['chrome'], true],
    ['co', 'HRO', ['chrome'], true],
    ['co', 'x', ['chrome'], false],
    ['nc', 'hro', ['chrome'], false],
    ['nc', 'fox', ['chrome'], true],
    ['is', '', ['anything'], true],
    ['ns', '', ['anything'], false],
    ['in', 'firefox, Chrome ,safari', ['chrome'], true],
    ['in', 'firefox,safari', ['chrome'], false],
    ['nin', 'firefox, chrome', ['Chrome'], false],
    ['nin', 'firefox, safari', ['chrome'], true],
  ];
  it.each(cases)('%s %j against %j → %s', (operator, value, values, expected) => {
    expect(matchValues(values, operator, value)).toBe(expected);
  });

  it('passes positive operators when any of several values matches, negated ones only when none does', () => {
    const values = ['firefox', 'chrome'];
    expect(matchValues(values, 'eq', 'chrome')).toBe(true);
    expect(matchValues(values, 'ne', 'chrome')).toBe(false);
    expect(matchValues(values, 'sw', 'fire')).toBe(true);
    expect(matchValues(values, 'nsw', 'fire')).toBe(false);
    expect(matchValues(values, 'co', 'hrom')).toBe(true);
    expect(matchValues(values, 'nc', 'hrom')).toBe(false);
    expect(matchValues(values, 'in', 'safari,chrome')).toBe(true);
    expect(matchValues(values, 'nin', 'safari,chrome')).toBe(false);
  });

  it('treats a missing key as no values: positive operators fail, negated ones pass', () => {
    for (const positive of ['eq', 'sw', 'ew', 'co', 'in', 'is', 'gt', 'lt'] as const) {
      expect(matchValues([], positive, '1')).toBe(false);
    }
    for (const negated of ['ne', 'nsw', 'new', 'nc', 'nin', 'ns'] as const) {
      expect(matchValues([], negated, '1')).toBe(true);
    }
  });

  it('removes every space from an in-list but not from the values', () => {
    expect([...parseList(' a , B,c d ')]).toEqual(['a', 'b', 'cd']);
    expect(matchValues(['c d'], 'in', 'c d')).toBe(false);
    expect(matchValues(['cd'], 'in', 'c d')).toBe(true);
  });
});

describe('numeric operators', () => {
  it('compares as numbers, not as text', () => {
    expect(matchValues(['500'], 'gt', '499')).toBe(true);
    expect(matchValues(['500'], 'gt', '500')).toBe(false);
    expect(matchValues(['500'], 'gte', '500')).toBe(true);
    expect(matchValues(['9'], 'lt', '10')).toBe(true);
    expect(matchValues(['10'], 'lte', '10')).toBe(true);
    expect(matchValues(['11'], 'lte', '10')).toBe(false);
    expect(matchValues(['1.5'], 'gt', '1.25')).toBe(true);
  });

  it('never passes values that are not numbers, nor a rule value that is not one', () => {
    expect(matchValues(['abc', ''], 'lt', '10')).toBe(false);
    expect(matchValues(['abc', '3'], 'lt', '10')).toBe(true);
    expect(matchValues(['3'], 'lt', 'ten')).toBe(false);
  });
});

describe('negated operators are the negation of their positive one', () => {
  const text = fc.string({ maxLength: 6 }).map((s) => s.replace(/,/g, ''));
  const casing = (s: string) => fc.constantFrom(s, s.toUpperCase(), s.toLowerCase());
  const tagSet = fc.array(fc.tuple(fc.constantFrom('browser', 'Browser', 'os', 'release'), text), {
    maxLength: 8,
  });
  const valuesOf = (tags: [string, string][], key: string) =>
    tags.filter(([k]) => k.toLowerCase() === key).map(([, v]) => v.toLowerCase());

  for (const [negated, positive] of Object.entries(NEGATIONS) as [MatchOperator, MatchOperator][]) {
    it(`${negated} = not ${positive}`, () => {
      fc.assert(
        fc.property(
          tagSet,
          fc.constantFrom('browser', 'os', 'missing'),
          text.chain((v) => casing(v)),
          (tags, key, value) => {
            const values = valuesOf(tags, key);
            const neg = compileMatch(negated, value)(values);
            const pos = compileMatch(positive, value)(values);
            expect(neg).toBe(!pos);
          },
        ),
      );
    });
  }

  it('eq and in match whatever the case of either side', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9]{1,8}$/), (value) => {
        expect(matchValues([value.toUpperCase()], 'eq', value.toLowerCase())).toBe(true);
        expect(matchValues([value.toLowerCase()], 'in', `x, ${value.toUpperCase()}`)).toBe(true);
        expect(matchValues([value.toLowerCase()], 'ne', value.toUpperCase())).toBe(false);
      }),
    );
  });
});
