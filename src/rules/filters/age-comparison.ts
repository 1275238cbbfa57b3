import type { FilterImplementation } from '../condition.js';
import type { AGE_UNITS } from '../rule-schema.js';

const UNIT_MS: Readonly<Record<(typeof AGE_UNITS)[number], number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/**
 * Compares the issue's age (from its first event to the input's `now`) with `value` units; both sides
 * are strict, as in Sentry, so an issue exactly `value` old is neither older nor newer.
 */
export const ageComparison: FilterImplementation<'age_comparison'> = {
  id: 'age_comparison',
  kind: 'filter',
  compile(node) {
    const age = node.value * UNIT_MS[node.time];
    return node.comparisonType === 'older'
      ? (input) => input.issue.firstSeen + age < input.now
      : (input) => input.issue.firstSeen + age > input.now;
  },
};
