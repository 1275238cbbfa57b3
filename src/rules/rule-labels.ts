import { LEVEL_NUMBERS, LEVELS } from '../events/event.js';
import type {
  ActionNode,
  ConditionId,
  ConditionNode,
  FilterId,
  FilterNode,
  FREQUENCY_INTERVALS,
  MatchMode,
  MatchOperator,
} from './rule-schema.js';

/** Display names of the ids a rule refers to (integrations, members, teams); ids without one show as is. */
export type RuleNames = ReadonlyMap<string, string>;

type ActionId = ActionNode['id'];
type Labeler<N> = (node: N, names: RuleNames) => string;

/** How operators read in a sentence ("browser equals Chrome"). */
export const OPERATOR_LABELS: Readonly<Record<MatchOperator, string>> = {
  eq: 'equals',
  ne: 'does not equal',
  sw: 'starts with',
  nsw: 'does not start with',
  ew: 'ends with',
  new: 'does not end with',
  co: 'contains',
  nc: 'does not contain',
  is: 'is set',
  ns: 'is not set',
  in: 'is one of',
  nin: 'is not one of',
  gt: 'is greater than',
  gte: 'is greater than or equal to',
  lt: 'is less than',
  lte: 'is less than or equal to',
};

/** How the match modes read ("all", "any", "none" of the conditions). */
export const MATCH_MODE_LABELS: Readonly<Record<MatchMode, string>> = {
  all: 'all',
  any: 'any',
  none: 'none',
};

const INTERVAL_LABELS: Readonly<Record<(typeof FREQUENCY_INTERVALS)[number], string>> = {
  '1m': 'one minute',
  '5m': '5 minutes',
  '15m': '15 minutes',
  '1h': 'one hour',
  '1d': 'one day',
  '1w': 'one week',
  '30d': '30 days',
};

const LEVEL_OPERATOR_LABELS = {
  eq: 'equal to',
  gte: 'greater than or equal to',
  lte: 'less than or equal to',
};

const name = (names: RuleNames, id: string): string => names.get(id) ?? id;
const plural = (count: number, unit: string): string => `${count} ${unit}${count === 1 ? '' : 's'}`;
const interval = (key: keyof typeof INTERVAL_LABELS): string => INTERVAL_LABELS[key];

function comparison(operator: MatchOperator, value: string | undefined): string {
  return operator === 'is' || operator === 'ns'
    ? OPERATOR_LABELS[operator]
    : `${OPERATOR_LABELS[operator]} ${value ?? ''}`;
}

function levelName(level: string): string {
  const lower = level.toLowerCase();
  return LEVELS.find((l) => l === lower || String(LEVEL_NUMBERS[l]) === lower) ?? level;
}

function frequencyLabel(
  node: Extract<ConditionNode, { id: 'event_frequency' | 'event_unique_user_frequency' }>,
): string {
  const what = node.id === 'event_frequency' ? 'events' : 'users affected';
  if (node.comparisonType === 'percent') {
    const before = node.comparisonInterval ? interval(node.comparisonInterval) : 'before';
    return `The number of ${what} in ${interval(node.interval)} is more than ${node.value}% higher than ${before} ago`;
  }
  const subject =
    node.id === 'event_frequency' ? 'The issue is seen more than' : 'The issue is seen by more than';
  const unit = node.id === 'event_frequency' ? 'time' : 'user';
  return `${subject} ${plural(node.value, unit)} in ${interval(node.interval)}`;
}

const CONDITION_LABELS: { readonly [I in ConditionId]: Labeler<Extract<ConditionNode, { id: I }>> } = {
  every_event: () => 'An event occurs',
  first_seen_event: () => 'A new issue is created',
  regression_event: () => 'The issue changes state from resolved to unresolved',
  reappeared_event: () => 'The issue changes state from ignored to unresolved',
  new_high_priority_issue: () => 'A new issue is created with high priority',
  existing_high_priority_issue: () => 'A high-priority issue changes state from ignored to unresolved',
  event_frequency: frequencyLabel,
  event_unique_user_frequency: frequencyLabel,
};

const FILTER_LABELS: { readonly [I in FilterId]: Labeler<Extract<FilterNode, { id: I }>> } = {
  tagged_event: (n) => `The event's tags match ${n.key} ${comparison(n.match, n.value)}`,
  event_attribute: (n) => `The event's ${n.attribute} value ${comparison(n.match, n.value)}`,
  level: (n) => `The event's level is ${LEVEL_OPERATOR_LABELS[n.match]} ${levelName(n.level)}`,
  age_comparison: (n) => `The issue is ${n.comparisonType} than ${plural(n.value, n.time)}`,
  issue_occurrences: (n) => `The issue has happened at least ${plural(n.value, 'time')}`,
  assigned_to: (n, names) =>
    n.targetType === 'Unassigned'
      ? 'The issue is unassigned'
      : `The issue is assigned to ${n.targetType === 'Team' ? 'team' : 'member'} ${name(names, n.targetIdentifier ?? '')}`,
  latest_release: () => 'The event is from the latest release',
  issue_category: (n) => `The issue's category is ${n.value}`,
};

type PersonAction = Extract<ActionNode, { id: 'notify_email' | 'notify_push' | 'notify_inapp' }>;

const FALLTHROUGH_LABELS = { ActiveMembers: 'active members', AllMembers: 'all members', NoOne: 'no one' };

function recipients(node: PersonAction, names: RuleNames): string {
  if (node.targetType === 'Team') return `team ${name(names, node.targetIdentifier ?? '')}`;
  if (node.targetType === 'Member') return `member ${name(names, node.targetIdentifier ?? '')}`;
  const fallthrough = FALLTHROUGH_LABELS[node.fallthroughType ?? 'ActiveMembers'];
  return `issue owners (or ${fallthrough} when there are none)`;
}

const ACTION_LABELS: { readonly [I in ActionId]: Labeler<Extract<ActionNode, { id: I }>> } = {
  notify_email: (n, names) => `Send an email to ${recipients(n, names)}`,
  notify_push: (n, names) => `Send a push notification to ${recipients(n, names)}`,
  notify_inapp: (n, names) => `Send an in-app notification to ${recipients(n, names)}`,
  slack: (n, names) =>
    `Send a Slack message to ${n.channel} in ${name(names, n.integration)}${batched(n.digest)}`,
  msteams: (n, names) =>
    `Send a Microsoft Teams message to ${n.channel} in ${name(names, n.integration)}${batched(n.digest)}`,
  webhook: (n, names) => `Send a webhook to ${name(names, n.integration)}`,
  pagerduty: (n, names) =>
    `Send a PagerDuty incident to ${name(names, n.integration)}${n.severity ? ` with severity ${n.severity}` : ''}`,
  discord: (n, names) => `Send a Discord message to ${name(names, n.integration)}${batched(n.digest)}`,
};

/** The chat digest window as a phrase, so a saved rule's confirmation says it batches. */
function batched(digest: { windowSeconds: number } | undefined): string {
  if (!digest) return '';
  const s = digest.windowSeconds;
  return s % 60 === 0 ? `, batched every ${s / 60} min` : `, batched every ${s} s`;
}

/** A condition as a sentence, as the rule editor and confirmations show it. */
export function conditionLabel(node: ConditionNode, names: RuleNames = new Map()): string {
  return (CONDITION_LABELS[node.id] as Labeler<ConditionNode>)(node, names);
}

/** A filter as a sentence. */
export function filterLabel(node: FilterNode, names: RuleNames = new Map()): string {
  return (FILTER_LABELS[node.id] as Labeler<FilterNode>)(node, names);
}

/** An action as a sentence. */
export function actionLabel(node: ActionNode, names: RuleNames = new Map()): string {
  return (ACTION_LABELS[node.id] as Labeler<ActionNode>)(node, names);
}
