import type { FrequencyReader, Predicate, RuleContext, RuleInput } from '../condition.js';
import { type ConditionNode, INTERVAL_MS } from '../rule-schema.js';

type FrequencyNode = Extract<ConditionNode, { id: 'event_frequency' | 'event_unique_user_frequency' }>;
type Query = Parameters<FrequencyReader['count']>[0];

/**
 * The shared body of the two frequency conditions. The window is `(now − interval, now]`, so it holds
 * the event being evaluated; a percent comparison reads the same-length window `comparisonInterval`
 * earlier. Passing needs a value strictly greater than the threshold, as in Sentry.
 */
export function frequencyPredicate(node: FrequencyNode, rule: RuleContext, kind: Query['kind']): Predicate {
  const length = INTERVAL_MS[node.interval];
  const shift =
    node.comparisonType === 'percent' ? INTERVAL_MS[node.comparisonInterval ?? DEFAULT_COMPARISON] : null;
  const threshold = node.value;
  const environment = rule.environment;

  const count = (input: RuleInput, end: number): Promise<number> => {
    const q: Query = { issueId: input.issue.id, kind, from: end - length, to: end };
    if (environment !== null) q.environment = environment;
    return input.frequency.count(q);
  };

  return (input) => {
    // A brand new issue has one event: no threshold above 1 can be crossed, so skip the read.
    if (input.outcome.isNew && threshold > 1) return false;
    const end = input.now + 1;
    if (shift === null) return count(input, end).then((current) => current > threshold);
    return Promise.all([count(input, end), count(input, end - shift)]).then(
      ([current, before]) => percentIncrease(current, before) > threshold,
    );
  };
}

/**
 * Growth from `before` to `current` in whole percent, never negative (Sentry truncates too). From zero
 * to anything more is an unbounded increase, so it passes every threshold.
 */
export function percentIncrease(current: number, before: number): number {
  if (before <= 0) return current > 0 ? Number.POSITIVE_INFINITY : 0;
  return Math.trunc(Math.max(0, ((current - before) / before) * 100));
}

/** Sentry's default when a stored percent rule lacks one; the schema requires it on new rules. */
const DEFAULT_COMPARISON = '5m';
