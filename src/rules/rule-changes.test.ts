import { describe, expect, it } from 'vitest';
import { ruleChanges } from './rule-changes.js';
import { actionLabel, conditionLabel, filterLabel } from './rule-labels.js';
import {
  ACTION_IDS,
  actionSchema,
  CONDITION_IDS,
  conditionSchema,
  FILTER_IDS,
  filterSchema,
  type RuleBody,
  ruleBodySchema,
} from './rule-schema.js';

const names = new Map([
  ['int_slack', 'Acme Slack'],
  ['int_hook', 'Deploy hook'],
  ['usr_1', 'Alice'],
  ['team_1', 'Backend'],
]);

function rule(patch: Record<string, unknown> = {}): RuleBody {
  return ruleBodySchema.parse({
    name: 'New errors',
    conditions: [{ id: 'first_seen_event' }],
    filters: [{ id: 'tagged_event', key: 'browser', match: 'eq', value: 'Chrome' }],
    actions: [{ id: 'slack', integration: 'int_slack', channel: '#alerts' }],
    ...patch,
  });
}

const CONDITIONS: readonly (readonly [{ id: string; [key: string]: unknown }, string])[] = [
  [{ id: 'every_event' }, 'An event occurs'],
  [{ id: 'first_seen_event' }, 'A new issue is created'],
  [{ id: 'regression_event' }, 'The issue changes state from resolved to unresolved'],
  [{ id: 'reappeared_event' }, 'The issue changes state from ignored to unresolved'],
  [{ id: 'new_high_priority_issue' }, 'A new issue is created with high priority'],
  [{ id: 'existing_high_priority_issue' }, 'A high-priority issue changes state from ignored to unresolved'],
  [
    { id: 'event_frequency', value: 100, interval: '1h' },
    'The issue is seen more than 100 times in one hour',
  ],
  [{ id: 'event_frequency', value: 1, interval: '5m' }, 'The issue is seen more than 1 time in 5 minutes'],
  [
    {
      id: 'event_frequency',
      value: 50,
      interval: '1d',
      comparisonType: 'percent',
      comparisonInterval: '1w',
    },
    'The number of events in one day is more than 50% higher than one week ago',
  ],
  [
    { id: 'event_unique_user_frequency', value: 20, interval: '15m' },
    'The issue is seen by more than 20 users in 15 minutes',
  ],
];

const FILTERS: readonly (readonly [{ id: string; [key: string]: unknown }, string])[] = [
  [
    { id: 'tagged_event', key: 'browser', match: 'eq', value: 'Chrome' },
    "The event's tags match browser equals Chrome",
  ],
  [{ id: 'tagged_event', key: 'os', match: 'ns' }, "The event's tags match os is not set"],
  [
    { id: 'event_attribute', attribute: 'http.status_code', match: 'gte', value: '500' },
    "The event's http.status_code value is greater than or equal to 500",
  ],
  [{ id: 'level', match: 'gte', level: '40' }, "The event's level is greater than or equal to error"],
  [{ id: 'level', match: 'eq', level: 'Warning' }, "The event's level is equal to warning"],
  [
    { id: 'age_comparison', comparisonType: 'older', value: 3, time: 'day' },
    'The issue is older than 3 days',
  ],
  [{ id: 'issue_occurrences', value: 10 }, 'The issue has happened at least 10 times'],
  [{ id: 'assigned_to', targetType: 'Unassigned' }, 'The issue is unassigned'],
  [
    { id: 'assigned_to', targetType: 'Team', targetIdentifier: 'team_1' },
    'The issue is assigned to team Backend',
  ],
  [
    { id: 'assigned_to', targetType: 'Member', targetIdentifier: 'usr_9' },
    'The issue is assigned to member usr_9',
  ],
  [{ id: 'latest_release' }, 'The event is from the latest release'],
  [{ id: 'issue_category', value: 'performance' }, "The issue's category is performance"],
];

const ACTIONS: readonly (readonly [{ id: string; [key: string]: unknown }, string])[] = [
  [
    { id: 'notify_email', targetType: 'IssueOwners' },
    'Send an email to issue owners (or active members when there are none)',
  ],
  [
    { id: 'notify_email', targetType: 'IssueOwners', fallthroughType: 'NoOne' },
    'Send an email to issue owners (or no one when there are none)',
  ],
  [
    { id: 'notify_push', targetType: 'Member', targetIdentifier: 'usr_1' },
    'Send a push notification to member Alice',
  ],
  [
    { id: 'notify_inapp', targetType: 'Team', targetIdentifier: 'team_1' },
    'Send an in-app notification to team Backend',
  ],
  [
    { id: 'slack', integration: 'int_slack', channel: '#alerts' },
    'Send a Slack message to #alerts in Acme Slack',
  ],
  [
    { id: 'msteams', integration: 'int_t', channel: 'General' },
    'Send a Microsoft Teams message to General in int_t',
  ],
  [{ id: 'webhook', integration: 'int_hook' }, 'Send a webhook to Deploy hook'],
  [
    { id: 'pagerduty', integration: 'int_pd', severity: 'critical' },
    'Send a PagerDuty incident to int_pd with severity critical',
  ],
  [{ id: 'discord', integration: 'int_d' }, 'Send a Discord message to int_d'],
];

describe('labels', () => {
  it.each(CONDITIONS)('condition %j reads "%s"', (node, label) => {
    expect(conditionLabel(conditionSchema.parse(node), names)).toBe(label);
  });

  it.each(FILTERS)('filter %j reads "%s"', (node, label) => {
    expect(filterLabel(filterSchema.parse(node), names)).toBe(label);
  });

  it.each(ACTIONS)('action %j reads "%s"', (node, label) => {
    expect(actionLabel(actionSchema.parse(node), names)).toBe(label);
  });

  it('is tested above for every node id', () => {
    const ids = (table: typeof CONDITIONS) => new Set(table.map(([node]) => node.id));
    expect(ids(CONDITIONS)).toEqual(new Set(CONDITION_IDS));
    expect(ids(FILTERS)).toEqual(new Set(FILTER_IDS));
    expect(ids(ACTIONS)).toEqual(new Set(ACTION_IDS));
  });
});

describe('ruleChanges', () => {
  it('lists every part of a new rule', () => {
    expect(ruleChanges(null, rule({ environment: 'production', frequency: 1 }), names)).toEqual([
      'Set environment to production',
      'Set frequency to 1 minute',
      'Added condition: A new issue is created',
      "Added filter: The event's tags match browser equals Chrome",
      'Added action: Send a Slack message to #alerts in Acme Slack',
    ]);
  });

  it('finds nothing between equal rules, whatever the key order of their nodes', () => {
    const reordered = rule({
      filters: [{ value: 'Chrome', match: 'eq', key: 'browser', id: 'tagged_event' }],
    });
    expect(ruleChanges(rule(), reordered, names)).toEqual([]);
  });

  it('names each changed setting with its old and new value', () => {
    const before = rule({ environment: 'production', frequency: 30 });
    const after = rule({
      name: 'Errors',
      environment: null,
      frequency: 60,
      actionMatch: 'any',
      filterMatch: 'none',
    });
    expect(ruleChanges(before, after, names)).toEqual([
      'Changed name from "New errors" to "Errors"',
      'Changed environment from production to all environments',
      'Changed frequency from 30 to 60 minutes',
      'Changed condition match from all to any',
      'Changed filter match from all to none',
    ]);
  });

  it('lists removed and added nodes; an edited node is one of each', () => {
    const after = rule({
      conditions: [{ id: 'first_seen_event' }, { id: 'regression_event' }],
      filters: [{ id: 'tagged_event', key: 'browser', match: 'eq', value: 'Firefox' }],
      actions: [{ id: 'webhook', integration: 'int_hook' }],
    });
    expect(ruleChanges(rule(), after, names)).toEqual([
      'Added condition: The issue changes state from resolved to unresolved',
      "Removed filter: The event's tags match browser equals Chrome",
      "Added filter: The event's tags match browser equals Firefox",
      'Removed action: Send a Slack message to #alerts in Acme Slack',
      'Added action: Send a webhook to Deploy hook',
    ]);
  });

  it('counts duplicates: removing one of two equal nodes is one removal', () => {
    const twice = rule({ conditions: [{ id: 'every_event' }, { id: 'every_event' }] });
    const once = rule({ conditions: [{ id: 'every_event' }] });
    expect(ruleChanges(twice, once, names)).toEqual(['Removed condition: An event occurs']);
    expect(ruleChanges(once, twice, names)).toEqual(['Added condition: An event occurs']);
  });

  it('shows ids when no name is known', () => {
    const after = rule({
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: 'usr_2' }],
    });
    expect(ruleChanges(rule(), after).at(-1)).toBe('Added action: Send an email to member usr_2');
  });
});
