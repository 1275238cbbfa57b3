import type { ConditionImplementation, FilterImplementation, NodeImplementation } from './condition.js';
import { eventFrequency } from './conditions/event-frequency.js';
import { eventUniqueUserFrequency } from './conditions/event-unique-user-frequency.js';
import { everyEvent } from './conditions/every-event.js';
import { firstSeenEvent } from './conditions/first-seen-event.js';
import { existingHighPriorityIssue, newHighPriorityIssue } from './conditions/high-priority-issue.js';
import { reappearedEvent } from './conditions/reappeared-event.js';
import { regressionEvent } from './conditions/regression-event.js';
import { ageComparison } from './filters/age-comparison.js';
import { assignedTo } from './filters/assigned-to.js';
import { eventAttribute } from './filters/event-attribute.js';
import { issueCategory } from './filters/issue-category.js';
import { issueOccurrences } from './filters/issue-occurrences.js';
import { latestRelease } from './filters/latest-release.js';
import { levelFilter } from './filters/level.js';
import { taggedEvent } from './filters/tagged-event.js';
import type { ConditionId, ConditionNode, FilterId, FilterNode } from './rule-schema.js';

/**
 * Every condition, by id. The mapped type makes a node id without an implementation a compile error, so
 * adding a node to the schema and forgetting it here cannot ship.
 */
export const CONDITIONS: { readonly [I in ConditionId]: ConditionImplementation<I> } = {
  every_event: everyEvent,
  first_seen_event: firstSeenEvent,
  regression_event: regressionEvent,
  reappeared_event: reappearedEvent,
  new_high_priority_issue: newHighPriorityIssue,
  existing_high_priority_issue: existingHighPriorityIssue,
  event_frequency: eventFrequency,
  event_unique_user_frequency: eventUniqueUserFrequency,
};

/** Every filter, by id; complete for the same reason as {@link CONDITIONS}. */
export const FILTERS: { readonly [I in FilterId]: FilterImplementation<I> } = {
  tagged_event: taggedEvent,
  event_attribute: eventAttribute,
  level: levelFilter,
  age_comparison: ageComparison,
  issue_occurrences: issueOccurrences,
  assigned_to: assignedTo,
  latest_release: latestRelease,
  issue_category: issueCategory,
};

type AnyNode = ConditionNode | FilterNode;

const NODES: ReadonlyMap<string, NodeImplementation<AnyNode>> = new Map<string, NodeImplementation<AnyNode>>([
  ...Object.entries(CONDITIONS),
  ...Object.entries(FILTERS),
]);

/** The implementation of a node; the one place where a node's id picks its code. */
export function implementationOf(node: AnyNode): NodeImplementation<AnyNode> {
  const implementation = NODES.get(node.id);
  if (implementation === undefined) throw new TypeError(`No rule node is registered as "${node.id}"`);
  return implementation;
}
