/**
 * Sentry's own spelling of a rule, as its API answers `GET /api/0/projects/{org}/{project}/rules/` and
 * its Terraform provider writes it: node ids are Python class paths, each node carries its label
 * (`name`), the age filter's field is `comparison_type` and the category filter's value a number. A
 * rule written so is read as Herald's, so rules move from Sentry unchanged: the ids become Herald's,
 * and the rest is checked as any rule is (a Sentry integration's action, whose workspace or service
 * is Sentry's, is refused by name, to be set up here).
 */

import { isPlainObject } from '../validation.js';

/** Sentry's node ids and Herald's. */
const SENTRY_NODE_IDS: Readonly<Record<string, string>> = {
  'sentry.rules.conditions.every_event.EveryEventCondition': 'every_event',
  'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition': 'first_seen_event',
  'sentry.rules.conditions.regression_event.RegressionEventCondition': 'regression_event',
  'sentry.rules.conditions.reappeared_event.ReappearedEventCondition': 'reappeared_event',
  'sentry.rules.conditions.high_priority_issue.NewHighPriorityIssueCondition': 'new_high_priority_issue',
  'sentry.rules.conditions.high_priority_issue.ExistingHighPriorityIssueCondition':
    'existing_high_priority_issue',
  'sentry.rules.conditions.event_frequency.EventFrequencyCondition': 'event_frequency',
  'sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition': 'event_unique_user_frequency',
  'sentry.rules.filters.tagged_event.TaggedEventFilter': 'tagged_event',
  'sentry.rules.conditions.tagged_event.TaggedEventCondition': 'tagged_event',
  'sentry.rules.filters.event_attribute.EventAttributeFilter': 'event_attribute',
  'sentry.rules.conditions.event_attribute.EventAttributeCondition': 'event_attribute',
  'sentry.rules.filters.level.LevelFilter': 'level',
  'sentry.rules.conditions.level.LevelCondition': 'level',
  'sentry.rules.filters.age_comparison.AgeComparisonFilter': 'age_comparison',
  'sentry.rules.filters.issue_occurrences.IssueOccurrencesFilter': 'issue_occurrences',
  'sentry.rules.filters.assigned_to.AssignedToFilter': 'assigned_to',
  'sentry.rules.filters.latest_release.LatestReleaseFilter': 'latest_release',
  'sentry.rules.filters.issue_category.IssueCategoryFilter': 'issue_category',
  'sentry.mail.actions.NotifyEmailAction': 'notify_email',
};

/** Sentry's issue categories by number (`GroupCategory`), for those Herald has. */
const SENTRY_CATEGORIES: Readonly<Record<string, string>> = {
  '1': 'error',
  '2': 'performance',
  '4': 'cron',
  '6': 'feedback',
};

/**
 * Fields of Sentry's answer beside a rule's body (who made it, when, its state there): dropped, as
 * Herald's own answer fields are when a rule read back is sent again.
 */
const SENTRY_ANSWER_FIELDS: ReadonlySet<string> = new Set([
  'dateCreated',
  'createdBy',
  'projects',
  'owner',
  'status',
  'snooze',
  'snoozeCreatedBy',
  'snoozeForEveryone',
  'lastTriggered',
  'disableReason',
  'disableDate',
  'errors',
]);

/** One node in Herald's spelling when it is in Sentry's; any other node as it is. */
function fromSentryNode(node: unknown): unknown {
  if (!isPlainObject(node) || typeof node.id !== 'string') return node;
  const id = SENTRY_NODE_IDS[node.id];
  if (id === undefined) return node;
  const { name: _label, comparison_type, ...rest } = node;
  const converted: Record<string, unknown> = { ...rest, id };
  if (id === 'age_comparison' && comparison_type !== undefined && !('comparisonType' in rest))
    converted.comparisonType = comparison_type;
  else if (comparison_type !== undefined) converted.comparison_type = comparison_type;
  if (id === 'issue_category' && (typeof rest.value === 'number' || typeof rest.value === 'string'))
    converted.value = SENTRY_CATEGORIES[String(rest.value)] ?? rest.value;
  // Sentry sends an empty or null target for the owners and for "unassigned".
  if ((rest.targetIdentifier === '' || rest.targetIdentifier === null) && typeof rest.targetType === 'string')
    delete converted.targetIdentifier;
  return converted;
}

/** True when the body names a node in Sentry's spelling. */
function isSentryRule(input: Record<string, unknown>): boolean {
  return ['conditions', 'filters', 'actions'].some(
    (list) =>
      Array.isArray(input[list]) &&
      (input[list] as unknown[]).some(
        (node) => isPlainObject(node) && typeof node.id === 'string' && node.id.startsWith('sentry.'),
      ),
  );
}

/**
 * A rule body with the nodes written in Sentry's spelling in Herald's, and Sentry's answer fields
 * dropped; a body that names no Sentry node is returned as it is.
 */
export function fromSentryRule(input: unknown): unknown {
  if (!isPlainObject(input) || !isSentryRule(input)) return input;
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (SENTRY_ANSWER_FIELDS.has(key)) continue;
    body[key] =
      ['conditions', 'filters', 'actions'].includes(key) && Array.isArray(value)
        ? value.map(fromSentryNode)
        : value;
  }
  return body;
}
