import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEGATIONS } from '../match.js';
import { filterPasses, makeEvent, makeInput } from '../test-fixtures.js';

const withTags = (tags: [string, string][]) => makeInput({ event: makeEvent({ tags }) });
const tagged = (key: string, match: string, value?: string) => ({ id: 'tagged_event', key, match, value });

describe('tagged_event', () => {
  const input = withTags([
    ['browser', 'Chrome 120'],
    ['Browser.Name', 'Chrome'],
    ['server_name', 'web-1'],
  ]);

  it('matches keys and values in any case', () => {
    expect(filterPasses(tagged('BROWSER', 'eq', 'chrome 120'), input)).toBe(true);
    expect(filterPasses(tagged('browser.name', 'eq', 'CHROME'), input)).toBe(true);
    expect(filterPasses(tagged('browser', 'eq', 'Firefox'), input)).toBe(false);
  });

  it.each([
    ['eq', 'web-1', true],
    ['ne', 'web-1', false],
    ['sw', 'web', true],
    ['nsw', 'web', false],
    ['ew', '-1', true],
    ['new', '-1', false],
    ['co', 'eb-', true],
    ['nc', 'eb-', false],
    ['in', 'web-2, web-1', true],
    ['nin', 'web-2, web-1', false],
    ['is', undefined, true],
    ['ns', undefined, false],
  ])('server_name %s %s → %s', (match, value, expected) => {
    expect(filterPasses(tagged('server_name', match, value), input)).toBe(expected);
  });

  it('passes negated operators and fails positive ones when the key is absent', () => {
    for (const match of ['ne', 'nsw', 'new', 'nc', 'nin']) {
      expect(filterPasses(tagged('missing', match, 'x'), input)).toBe(true);
    }
    for (const match of ['eq', 'sw', 'ew', 'co', 'in']) {
      expect(filterPasses(tagged('missing', match, 'x'), input)).toBe(false);
    }
    expect(filterPasses(tagged('missing', 'ns'), input)).toBe(true);
    expect(filterPasses(tagged('missing', 'is'), input)).toBe(false);
  });

  it('looks at every value of a key that repeats', () => {
    const repeated = withTags([
      ['team', 'payments'],
      ['team', 'Checkout'],
    ]);
    expect(filterPasses(tagged('team', 'eq', 'checkout'), repeated)).toBe(true);
    expect(filterPasses(tagged('team', 'eq', 'payments'), repeated)).toBe(true);
    expect(filterPasses(tagged('team', 'ne', 'checkout'), repeated)).toBe(false);
    expect(filterPasses(tagged('team', 'ne', 'search'), repeated)).toBe(true);
    expect(filterPasses(tagged('team', 'nsw', 'pay'), repeated)).toBe(false);
    expect(filterPasses(tagged('team', 'nin', 'search,payments'), repeated)).toBe(false);
  });

  it('compares numbers with gt/gte/lt/lte', () => {
    const numeric = withTags([['attempt', '3']]);
    expect(filterPasses(tagged('attempt', 'gt', '2'), numeric)).toBe(true);
    expect(filterPasses(tagged('attempt', 'gte', '3'), numeric)).toBe(true);
    expect(filterPasses(tagged('attempt', 'lt', '3'), numeric)).toBe(false);
    expect(filterPasses(tagged('attempt', 'lte', '3'), numeric)).toBe(true);
  });

  it('ignores the sentry: prefix on either side', () => {
    const prefixed = withTags([['sentry:dist', 'abc']]);
    expect(filterPasses(tagged('dist', 'eq', 'abc'), prefixed)).toBe(true);
    expect(filterPasses(tagged('sentry:dist', 'eq', 'abc'), withTags([['dist', 'abc']]))).toBe(true);
  });

  it('sees the tags Sentry derives from the event when no explicit tag says otherwise', () => {
    const event = makeEvent({
      level: 'warning',
      environment: 'Staging',
      release: 'app@1.2.0',
      user: { id: '42' },
      request: { url: 'https://example.com/cart' },
      exception: { values: [{ type: 'TypeError', mechanism: { type: 'onerror', handled: false } }] },
    });
    const input = makeInput({ event });
    expect(filterPasses(tagged('level', 'eq', 'warning'), input)).toBe(true);
    expect(filterPasses(tagged('environment', 'eq', 'staging'), input)).toBe(true);
    expect(filterPasses(tagged('release', 'sw', 'app@1.'), input)).toBe(true);
    expect(filterPasses(tagged('user', 'eq', 'id:42'), input)).toBe(true);
    expect(filterPasses(tagged('url', 'co', '/cart'), input)).toBe(true);
    expect(filterPasses(tagged('handled', 'eq', 'no'), input)).toBe(true);
    expect(filterPasses(tagged('mechanism', 'eq', 'onerror'), input)).toBe(true);

    const explicit = makeInput({ event: makeEvent({ level: 'warning', tags: [['level', 'custom']] }) });
    expect(filterPasses(tagged('level', 'eq', 'custom'), explicit)).toBe(true);
    expect(filterPasses(tagged('level', 'eq', 'warning'), explicit)).toBe(false);
  });

  it('does not confuse events that share nothing but a rule', () => {
    const first = withTags([['browser', 'chrome']]);
    const second = withTags([['browser', 'firefox']]);
    const node = tagged('browser', 'eq', 'chrome');
    expect(filterPasses(node, first)).toBe(true);
    expect(filterPasses(node, second)).toBe(false);
    expect(filterPasses(node, first)).toBe(true);
  });

  it('answers every negated operator with the opposite of its positive one, over arbitrary tag sets', () => {
    const key = fc.constantFrom('browser', 'BROWSER', 'Browser', 'sentry:browser', 'os', 'level');
    const value = fc.oneof(
      fc.constantFrom('chrome', 'Chrome', 'CHROME 120', 'fire fox'),
      fc.string({ minLength: 1, maxLength: 5 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, value), { maxLength: 6 }),
        key,
        value,
        fc.constantFrom(...(Object.entries(NEGATIONS) as [string, string][])),
        (tags, ruleKey, ruleValue, [negated, positive]) => {
          const input = withTags(tags);
          const neg = filterPasses(tagged(ruleKey, negated, ruleValue), input);
          const pos = filterPasses(tagged(ruleKey, positive, ruleValue), input);
          expect(neg).toBe(!pos);
        },
      ),
    );
  });
});
