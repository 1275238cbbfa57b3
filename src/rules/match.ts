import { isNumeric, type MatchOperator } from './rule-schema.js';

/** A compiled operator: tells whether the lower-cased values of one key satisfy it. */
export type ValueTest = (values: readonly string[]) => boolean;

type PositiveOperator = Exclude<MatchOperator, keyof typeof NEGATIONS>;

/**
 * Each negated operator and the positive one it denies; defining them as the plain negation is what
 * makes them pass when the key is absent (no value matches), as Sentry's do.
 */
export const NEGATIONS = {
  ne: 'eq',
  nsw: 'sw',
  new: 'ew',
  nc: 'co',
  nin: 'in',
  ns: 'is',
} as const satisfies Partial<Record<MatchOperator, MatchOperator>>;

/**
 * Compiles an operator and its value once, so evaluation only walks the values. The values handed to
 * the test must already be lower-cased; the rule's value is lower-cased here.
 */
export function compileMatch(operator: MatchOperator, value = ''): ValueTest {
  if (operator in NEGATIONS) {
    const positive = compilePositive(NEGATIONS[operator as keyof typeof NEGATIONS], value);
    return (values) => !positive(values);
  }
  return compilePositive(operator as PositiveOperator, value);
}

/** One-off match of raw (any case) values; evaluation paths compile instead. */
export function matchValues(values: readonly string[], operator: MatchOperator, value = ''): boolean {
  return compileMatch(operator, value)(values.map((v) => v.toLowerCase()));
}

/** The items of an `in`/`nin` list: spaces removed, split on commas, lower-cased, as Sentry reads it. */
export function parseList(value: string): ReadonlySet<string> {
  return new Set(value.toLowerCase().replace(/ /g, '').split(','));
}

function compilePositive(operator: PositiveOperator, value: string): ValueTest {
  const target = value.toLowerCase();
  switch (operator) {
    case 'eq':
      return (values) => values.includes(target);
    case 'sw':
      return (values) => values.some((v) => v.startsWith(target));
    case 'ew':
      return (values) => values.some((v) => v.endsWith(target));
    case 'co':
      return (values) => values.some((v) => v.includes(target));
    case 'is':
      return (values) => values.length > 0;
    case 'in': {
      const items = parseList(target);
      return (values) => values.some((v) => items.has(v));
    }
    case 'gt':
      return numeric(target, (a, b) => a > b);
    case 'gte':
      return numeric(target, (a, b) => a >= b);
    case 'lt':
      return numeric(target, (a, b) => a < b);
    case 'lte':
      return numeric(target, (a, b) => a <= b);
  }
}

function numeric(target: string, compare: (actual: number, wanted: number) => boolean): ValueTest {
  if (!isNumeric(target)) return () => false;
  const wanted = Number(target);
  return (values) => values.some((v) => isNumeric(v) && compare(Number(v), wanted));
}
