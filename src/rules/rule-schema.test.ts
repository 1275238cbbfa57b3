import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { CONDITIONS, FILTERS } from './registry.js';
import {
  ACTION_IDS,
  actionSchema,
  CONDITION_IDS,
  conditionSchema,
  FILTER_IDS,
  filterSchema,
  parseRuleBody,
} from './rule-schema.js';

const base = { name: 'New errors', actions: [{ id: 'notify_email', targetType: 'IssueOwners' }] };

/** The problems parseRuleBody reports for a body; fails the test if it accepts it. */
function problems(body: unknown): { path: string; message: string }[] {
  try {
    parseRuleBody(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).details];
  }
  throw new Error('the body was accepted');
}

describe('parseRuleBody accepts', () => {
  it('the example of the design, unchanged', () => {
    const example = {
      name: 'New errors in production',
      environment: 'production',
      actionMatch: 'all',
      filterMatch: 'all',
      frequency: 30,
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'browser', match: 'eq', value: 'Chrome' }],
      actions: [
        { id: 'notify_email', targetType: 'IssueOwners', fallthroughType: 'ActiveMembers' },
        { id: 'slack', integration: 'int_1', channel: '#alerts' },
      ],
    };
    expect(parseRuleBody(example)).toEqual(example);
  });

  it('a minimal body, with the defaults filled in and unknown top-level fields dropped', () => {
    expect(parseRuleBody({ ...base, id: 'r_1', createdAt: 'x' })).toEqual({
      ...base,
      environment: null,
      actionMatch: 'all',
      filterMatch: 'all',
      frequency: 30,
      conditions: [],
      filters: [],
    });
  });

  it('every node kind', () => {
    const body = parseRuleBody({
      ...base,
      frequency: 0,
      conditions: [
        { id: 'every_event' },
        { id: 'regression_event' },
        { id: 'reappeared_event' },
        { id: 'event_frequency', value: 100, interval: '1h' },
        {
          id: 'event_unique_user_frequency',
          value: 50,
          interval: '30d',
          comparisonType: 'percent',
          comparisonInterval: '1w',
        },
      ],
      filters: [
        { id: 'tagged_event', key: 'os', match: 'is' },
        { id: 'event_attribute', attribute: 'extra.order.id', match: 'gte', value: '10' },
        { id: 'event_attribute', attribute: 'HTTP.status_code', match: 'in', value: '500, 502' },
        { id: 'level', match: 'gte', level: '40' },
        { id: 'level', match: 'eq', level: 'Warning' },
        { id: 'age_comparison', comparisonType: 'newer', value: 2, time: 'week' },
        { id: 'issue_occurrences', value: 10 },
        { id: 'assigned_to', targetType: 'Unassigned' },
        { id: 'assigned_to', targetType: 'Member', targetIdentifier: 'usr_1' },
        { id: 'latest_release' },
        { id: 'issue_category', value: 'performance' },
      ],
      actions: [
        { id: 'notify_push', targetType: 'Team', targetIdentifier: 'team_1' },
        { id: 'notify_inapp', targetType: 'Member', targetIdentifier: 'usr_1' },
        { id: 'msteams', integration: 'int_2', channel: 'General' },
        { id: 'webhook', integration: 'int_3' },
        { id: 'pagerduty', integration: 'int_4', severity: 'critical' },
        { id: 'discord', integration: 'int_5' },
      ],
    });
    expect(body.conditions[3]).toEqual({
      id: 'event_frequency',
      value: 100,
      interval: '1h',
      comparisonType: 'count',
    });
    expect(body.filters).toHaveLength(11);
  });
});

describe('parseRuleBody rejects, naming the field', () => {
  it.each([
    ['an empty name', { name: '' }, 'name', 'at least 1 character'],
    ['a long name', { name: 'x'.repeat(257) }, 'name', 'at most 256 characters'],
    ['a missing name', { name: undefined }, 'name', 'is required'],
    ['an empty environment', { environment: '' }, 'environment', 'at least 1'],
    ['an unknown actionMatch', { actionMatch: 'some' }, 'actionMatch', 'one of: all, any, none'],
    ['an unknown filterMatch', { filterMatch: 'ALL' }, 'filterMatch', 'one of'],
    ['a negative frequency', { frequency: -1 }, 'frequency', 'at least 0'],
    ['a frequency over 30 days', { frequency: 43_201 }, 'frequency', 'at most 43200'],
    ['a fractional frequency', { frequency: 1.5 }, 'frequency', 'integer'],
    ['a frequency as text', { frequency: '30' }, 'frequency', 'must be a number'],
    ['no actions', { actions: [] }, 'actions', 'at least one action'],
    ['conditions that are not a list', { conditions: {} }, 'conditions', 'must be an array'],
  ])('%s', (_what, patch, path, message) => {
    expect(problems({ ...base, ...patch })).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  const node = (list: 'conditions' | 'filters' | 'actions', value: object) =>
    list === 'actions' ? { ...base, actions: [value] } : { ...base, [list]: [value] };

  it.each([
    [
      'an unknown condition',
      'conditions',
      { id: 'sometimes' },
      'conditions.0.id',
      '"sometimes" is not a known condition',
    ],
    [
      'a filter among conditions',
      'conditions',
      { id: 'tagged_event' },
      'conditions.0.id',
      'put it in filters',
    ],
    ['a node without id', 'conditions', { value: 1 }, 'conditions.0.id', 'must name a condition id'],
    [
      'a bad interval',
      'conditions',
      { id: 'event_frequency', value: 1, interval: '2m' },
      'conditions.0.interval',
      'one of: 1m, 5m, 15m, 1h, 1d, 1w, 30d',
    ],
    [
      'a negative count',
      'conditions',
      { id: 'event_frequency', value: -1, interval: '1m' },
      'conditions.0.value',
      'at least 0',
    ],
    [
      'a missing count',
      'conditions',
      { id: 'event_frequency', interval: '1m' },
      'conditions.0.value',
      'is required',
    ],
    [
      'a bad comparison type',
      'conditions',
      { id: 'event_frequency', value: 1, interval: '1m', comparisonType: 'ratio' },
      'conditions.0.comparisonType',
      'one of: count, percent',
    ],
    [
      'percent without comparison interval',
      'conditions',
      { id: 'event_unique_user_frequency', value: 1, interval: '1h', comparisonType: 'percent' },
      'conditions.0.comparisonInterval',
      'is required',
    ],
    [
      'a bad comparison interval',
      'conditions',
      {
        id: 'event_frequency',
        value: 1,
        interval: '1h',
        comparisonType: 'percent',
        comparisonInterval: '1m',
      },
      'conditions.0.comparisonInterval',
      'one of: 5m',
    ],
    [
      'a misspelt option',
      'conditions',
      { id: 'event_frequency', value: 1, interval: '1m', intervall: '5m' },
      'conditions.0.intervall',
      'is not a known field',
    ],
    [
      'options on a bare condition',
      'conditions',
      { id: 'every_event', value: 1 },
      'conditions.0.value',
      'is not a known field',
    ],
    ['an unknown filter', 'filters', { id: 'tagged' }, 'filters.0.id', 'is not a known filter'],
    [
      'a bad operator',
      'filters',
      { id: 'tagged_event', key: 'os', match: 'match', value: 'x' },
      'filters.0.match',
      'one of: eq, ne',
    ],
    [
      'an empty tag key',
      'filters',
      { id: 'tagged_event', key: '', match: 'eq', value: 'x' },
      'filters.0.key',
      'at least 1',
    ],
    [
      'a missing value',
      'filters',
      { id: 'tagged_event', key: 'os', match: 'eq' },
      'filters.0.value',
      'is required with "eq"',
    ],
    [
      'an empty value',
      'filters',
      { id: 'event_attribute', attribute: 'message', match: 'co', value: '' },
      'filters.0.value',
      'is required with "co"',
    ],
    [
      'a non-numeric value for gt',
      'filters',
      { id: 'tagged_event', key: 'n', match: 'gt', value: 'ten' },
      'filters.0.value',
      'must be a number with "gt"',
    ],
    [
      'an unknown attribute',
      'filters',
      { id: 'event_attribute', attribute: 'user.name', match: 'eq', value: 'x' },
      'filters.0.attribute',
      'extra.<path>',
    ],
    [
      'an empty extra path',
      'filters',
      { id: 'event_attribute', attribute: 'extra.', match: 'is' },
      'filters.0.attribute',
      'must be one of',
    ],
    [
      'an unknown level',
      'filters',
      { id: 'level', match: 'eq', level: 'critical' },
      'filters.0.level',
      'one of: debug, info',
    ],
    [
      'an unknown level number',
      'filters',
      { id: 'level', match: 'eq', level: '45' },
      'filters.0.level',
      '10, 20, 30, 40, 50',
    ],
    [
      'a level operator of strings',
      'filters',
      { id: 'level', match: 'co', level: 'error' },
      'filters.0.match',
      'one of: eq, gte, lte',
    ],
    [
      'an unknown age unit',
      'filters',
      { id: 'age_comparison', comparisonType: 'older', value: 1, time: 'month' },
      'filters.0.time',
      'one of: minute, hour, day, week',
    ],
    [
      'an unknown age comparison',
      'filters',
      { id: 'age_comparison', comparisonType: 'same', value: 1, time: 'day' },
      'filters.0.comparisonType',
      'one of: older, newer',
    ],
    [
      'a fractional occurrence count',
      'filters',
      { id: 'issue_occurrences', value: 2.5 },
      'filters.0.value',
      'integer',
    ],
    [
      'a team without its id',
      'filters',
      { id: 'assigned_to', targetType: 'Team' },
      'filters.0.targetIdentifier',
      'is required with "Team"',
    ],
    [
      'an unknown assignee type',
      'filters',
      { id: 'assigned_to', targetType: 'Anyone' },
      'filters.0.targetType',
      'one of: Unassigned',
    ],
    [
      'an unknown category',
      'filters',
      { id: 'issue_category', value: 'crash' },
      'filters.0.value',
      'one of: error, performance',
    ],
    [
      'an unknown action',
      'actions',
      { id: 'sms' },
      'actions.0.id',
      '"sms" is not a known action; one of: notify_email, notify_push, notify_inapp, slack, msteams, webhook, pagerduty, discord',
    ],
    [
      'a member without id',
      'actions',
      { id: 'notify_email', targetType: 'Member' },
      'actions.0.targetIdentifier',
      'is required with "Member"',
    ],
    [
      'an unknown fallthrough',
      'actions',
      { id: 'notify_email', targetType: 'IssueOwners', fallthroughType: 'Everyone' },
      'actions.0.fallthroughType',
      'one of: ActiveMembers',
    ],
    [
      'Slack without channel',
      'actions',
      { id: 'slack', integration: 'int_1' },
      'actions.0.channel',
      'is required',
    ],
    [
      'a channel on a webhook',
      'actions',
      { id: 'webhook', integration: 'int_1', channel: '#x' },
      'actions.0.channel',
      'is not a known field',
    ],
    [
      'an unknown severity',
      'actions',
      { id: 'pagerduty', integration: 'int_1', severity: 'high' },
      'actions.0.severity',
      'one of: default',
    ],
  ] as const)('%s', (_what, list, value, path, message) => {
    expect(problems(node(list, value))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('names every bad field at once, and says which in its message', () => {
    let caught: unknown;
    try {
      parseRuleBody({
        name: '',
        frequency: 99_999,
        conditions: [{ id: 'every_event' }, { id: 'event_frequency', value: 1, interval: '3h' }],
        filters: [{ id: 'level', match: 'eq', level: 'loud' }],
        actions: [{ id: 'slack', integration: '' }],
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.code).toBe('invalid_input');
    expect(error.status).toBe(400);
    expect(error.details.map((d) => d.path).sort()).toEqual([
      'actions.0.channel',
      'actions.0.integration',
      'conditions.1.interval',
      'filters.0.level',
      'frequency',
      'name',
    ]);
    expect(error.message).toContain('conditions.1.interval');
  });

  it('a body that is not an object', () => {
    expect(problems('rule')).toEqual([{ path: '', message: 'must be an object' }]);
  });
});

describe('closed sets', () => {
  const ids = (schema: { options: readonly { shape: { id: { value: string } } }[] }) =>
    schema.options.map((o) => o.shape.id.value);

  it('list exactly the ids the schemas accept, and every condition and filter is implemented', () => {
    expect(ids(conditionSchema)).toEqual([...CONDITION_IDS]);
    expect(ids(filterSchema)).toEqual([...FILTER_IDS]);
    expect(ids(actionSchema)).toEqual([...ACTION_IDS]);
    expect(Object.keys(CONDITIONS).sort()).toEqual([...CONDITION_IDS].sort());
    expect(Object.keys(FILTERS).sort()).toEqual([...FILTER_IDS].sort());
    for (const [id, implementation] of Object.entries({ ...CONDITIONS, ...FILTERS })) {
      expect(implementation.id).toBe(id);
      expect(implementation.kind).toBe(id in CONDITIONS ? 'condition' : 'filter');
    }
  });
});
