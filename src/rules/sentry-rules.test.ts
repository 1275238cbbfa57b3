import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { parseRuleBody } from './rule-schema.js';

/** A rule as Sentry's API answers it (`GET /api/0/projects/{org}/{project}/rules/{id}/`). */
const SENTRY_RULE = {
  id: '3',
  conditions: [
    {
      id: 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition',
      name: 'A new issue is created',
    },
    {
      id: 'sentry.rules.conditions.event_frequency.EventFrequencyCondition',
      value: 100,
      comparisonType: 'count',
      interval: '1h',
      name: 'The issue is seen more than 100 times in 1h',
    },
    {
      id: 'sentry.rules.conditions.high_priority_issue.NewHighPriorityIssueCondition',
      name: 'Sentry marks a new issue as high priority',
    },
  ],
  filters: [
    {
      id: 'sentry.rules.filters.age_comparison.AgeComparisonFilter',
      comparison_type: 'older',
      value: 3,
      time: 'week',
      name: 'The issue is older than 3 weeks',
    },
    {
      id: 'sentry.rules.filters.level.LevelFilter',
      match: 'gte',
      level: '40',
      name: "The event's level is greater than or equal to error",
    },
    {
      id: 'sentry.rules.filters.issue_category.IssueCategoryFilter',
      value: '1',
      name: "The issue's category is equal to Error",
    },
    {
      id: 'sentry.rules.filters.tagged_event.TaggedEventFilter',
      key: 'browser',
      match: 'eq',
      value: 'Chrome',
      name: "The event's tags match browser equals Chrome",
    },
  ],
  actions: [
    {
      id: 'sentry.mail.actions.NotifyEmailAction',
      targetType: 'IssueOwners',
      fallthroughType: 'ActiveMembers',
      targetIdentifier: '',
      name: 'Send a notification to IssueOwners and if none can be found then send a notification to ActiveMembers',
    },
  ],
  actionMatch: 'any',
  filterMatch: 'all',
  frequency: 60,
  name: 'High volume errors',
  dateCreated: '2023-08-08T16:35:46.563019Z',
  owner: 'team:1',
  createdBy: { id: 1, name: 'Jane', email: 'jane@example.com' },
  environment: 'prod',
  projects: ['javascript'],
  status: 'active',
  snooze: false,
};

function problems(body: unknown): { path: string; message: string }[] {
  try {
    parseRuleBody(body);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.details];
    throw error;
  }
  throw new Error('accepted');
}

describe("a rule in Sentry's spelling", () => {
  it("is read as Herald's: ids, the age filter's field, the category's number, labels and answer fields", () => {
    expect(parseRuleBody(SENTRY_RULE)).toEqual({
      name: 'High volume errors',
      environment: 'prod',
      actionMatch: 'any',
      filterMatch: 'all',
      frequency: 60,
      conditions: [
        { id: 'first_seen_event' },
        { id: 'event_frequency', value: 100, comparisonType: 'count', interval: '1h' },
        { id: 'new_high_priority_issue' },
      ],
      filters: [
        { id: 'age_comparison', comparisonType: 'older', value: 3, time: 'week' },
        { id: 'level', match: 'gte', level: '40' },
        { id: 'issue_category', value: 'error' },
        { id: 'tagged_event', key: 'browser', match: 'eq', value: 'Chrome' },
      ],
      actions: [{ id: 'notify_email', targetType: 'IssueOwners', fallthroughType: 'ActiveMembers' }],
    });
  });

  it("refuses a Sentry integration's action by name, and a Sentry label on a node of Herald's", () => {
    const slack = {
      id: 'sentry.integrations.slack.notify_action.SlackNotifyServiceAction',
      workspace: '86',
      channel: '#alerts',
    };
    expect(problems({ ...SENTRY_RULE, actions: [...SENTRY_RULE.actions, slack] })).toEqual([
      {
        path: 'actions.1.id',
        message: expect.stringContaining(
          '"sentry.integrations.slack.notify_action.SlackNotifyServiceAction" is not a known action',
        ),
      },
    ]);
    // Herald's own spelling stays strict: a label there is an unknown field.
    expect(
      problems({
        name: 'Strict',
        conditions: [{ id: 'first_seen_event', name: 'A new issue is created' }],
        actions: [{ id: 'notify_email', targetType: 'IssueOwners' }],
      }).map((p) => p.path),
    ).toEqual(['conditions.0.name']);
    // Without a Sentry node, Sentry's answer fields are unknown fields too.
    expect(
      problems({
        name: 'Strict',
        dateCreated: '2023-08-08T16:35:46Z',
        actions: [{ id: 'notify_email', targetType: 'IssueOwners' }],
      }),
    ).toEqual([{ path: 'dateCreated', message: 'Unknown field' }]);
  });
});
