import type { ConditionImplementation } from '../condition.js';

/**
 * Sentry's "Sentry marks a new issue as high priority": the issue's first event (in the rule's
 * environment, for a rule bound to one, as `first_seen_event`) made an issue of high priority. A new
 * issue's priority comes from its first event's level (fatal and error high, warning medium, the rest low),
 * so a rule of this condition is told of new errors and not of new warnings or info messages.
 */
export const newHighPriorityIssue: ConditionImplementation<'new_high_priority_issue'> = {
  id: 'new_high_priority_issue',
  kind: 'condition',
  compile: (_node, rule) =>
    rule.environment === null
      ? (input) => input.outcome.isNew && input.issue.priority === 'high'
      : (input) => input.outcome.isNewInEnvironment && input.issue.priority === 'high',
};

/**
 * Sentry's "Sentry marks an existing issue as high priority": an issue of high priority that was ignored
 * (archived) until a condition came back with this event (ignored → unresolved), as Sentry's escalating
 * issues do; a new issue never passes, and neither does one of medium or low priority.
 */
export const existingHighPriorityIssue: ConditionImplementation<'existing_high_priority_issue'> = {
  id: 'existing_high_priority_issue',
  kind: 'condition',
  compile: () => (input) =>
    !input.outcome.isNew && input.outcome.isReappeared && input.issue.priority === 'high',
};
