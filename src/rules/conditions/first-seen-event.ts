import type { ConditionImplementation } from '../condition.js';

/**
 * Passes on an issue's first event; for a rule bound to an environment, on the first event in
 * that environment, since that is the first time the rule can see the issue.
 */
export const firstSeenEvent: ConditionImplementation<'first_seen_event'> = {
  id: 'first_seen_event',
  kind: 'condition',
  compile: (_node, rule) =>
    rule.environment === null ? (input) => input.outcome.isNew : (input) => input.outcome.isNewInEnvironment,
};
