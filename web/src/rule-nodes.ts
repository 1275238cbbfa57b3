// The nodes of a rule (DESIGN.md §5) as the form shows them: a sentence and a control per field.

/** Kinds of a node field's control. */
export type FieldKind = 'text' | 'number' | 'select' | 'member-or-team' | 'integration';

/** One field of a node. */
export interface NodeField {
  readonly name: string;
  readonly label: string;
  readonly kind: FieldKind;
  readonly options?: readonly (readonly [string, string])[];
  /** Left out of the body when empty. */
  readonly optional?: boolean;
  /** Shown only when this returns true for the node's current values. */
  readonly when?: (node: Record<string, unknown>) => boolean;
  /** For `integration` fields: the provider whose integrations to offer. */
  readonly provider?: string;
  readonly placeholder?: string;
}

/** A node kind: its id, a sentence for pickers, and its fields. */
export interface NodeSpec {
  readonly id: string;
  readonly label: string;
  readonly fields: readonly NodeField[];
}

const pairs = (values: readonly string[]) => values.map((v) => [v, v] as const);

const OPERATORS: readonly (readonly [string, string])[] = [
  ['eq', 'equals'],
  ['ne', 'does not equal'],
  ['sw', 'starts with'],
  ['nsw', 'does not start with'],
  ['ew', 'ends with'],
  ['new', 'does not end with'],
  ['co', 'contains'],
  ['nc', 'does not contain'],
  ['is', 'is set'],
  ['ns', 'is not set'],
  ['in', 'is one of (comma list)'],
  ['nin', 'is not one of (comma list)'],
  ['gt', '>'],
  ['gte', '≥'],
  ['lt', '<'],
  ['lte', '≤'],
];

const needsValue = (node: Record<string, unknown>) => node.match !== 'is' && node.match !== 'ns';

const INTERVALS = pairs(['1m', '5m', '15m', '1h', '1d', '1w', '30d']);

const frequencyFields: readonly NodeField[] = [
  { name: 'value', label: 'More than', kind: 'number' },
  { name: 'interval', label: 'In', kind: 'select', options: INTERVALS },
  {
    name: 'comparisonType',
    label: 'Compared as',
    kind: 'select',
    options: [
      ['count', 'a count'],
      ['percent', 'a percent increase'],
    ],
  },
  {
    name: 'comparisonInterval',
    label: 'Compared with the same window',
    kind: 'select',
    options: pairs(['5m', '15m', '1h', '1d', '1w', '30d']).map(([v]) => [v, `${v} earlier`] as const),
    optional: true,
    when: (n) => n.comparisonType === 'percent',
  },
];

/** Conditions: what happened to the issue. */
export const CONDITIONS: readonly NodeSpec[] = [
  { id: 'first_seen_event', label: 'A new issue is created', fields: [] },
  { id: 'every_event', label: 'An event is seen', fields: [] },
  { id: 'regression_event', label: 'The issue changes from resolved to unresolved', fields: [] },
  { id: 'reappeared_event', label: 'The issue changes from ignored to unresolved', fields: [] },
  { id: 'new_high_priority_issue', label: 'A new issue is created with high priority', fields: [] },
  {
    id: 'existing_high_priority_issue',
    label: 'A high-priority issue changes from ignored to unresolved',
    fields: [],
  },
  {
    id: 'event_frequency',
    label: 'The issue is seen more than N times in a window',
    fields: frequencyFields,
  },
  {
    id: 'event_unique_user_frequency',
    label: 'The issue is seen by more than N users in a window',
    fields: frequencyFields,
  },
];

const ATTRIBUTES = [
  'message',
  'platform',
  'environment',
  'type',
  'release',
  'level',
  'error.handled',
  'error.unhandled',
  'exception.type',
  'exception.value',
  'user.id',
  'user.email',
  'user.username',
  'user.ip_address',
  'http.method',
  'http.url',
  'http.status_code',
  'sdk.name',
  'stacktrace.filename',
  'stacktrace.abs_path',
  'stacktrace.module',
  'stacktrace.function',
  'stacktrace.package',
  'stacktrace.code',
  'app.in_foreground',
  'os.distribution_name',
  'os.distribution_version',
];

/** Filters: which events and issues qualify. */
export const FILTERS: readonly NodeSpec[] = [
  {
    id: 'tagged_event',
    label: "The event's tag matches",
    fields: [
      { name: 'key', label: 'Tag', kind: 'text', placeholder: 'browser' },
      { name: 'match', label: 'Match', kind: 'select', options: OPERATORS },
      { name: 'value', label: 'Value', kind: 'text', optional: true, when: needsValue },
    ],
  },
  {
    id: 'event_attribute',
    label: "The event's attribute matches",
    fields: [
      {
        name: 'attribute',
        label: 'Attribute',
        kind: 'text',
        options: pairs(ATTRIBUTES),
        placeholder: 'exception.type or extra.path',
      },
      { name: 'match', label: 'Match', kind: 'select', options: OPERATORS },
      { name: 'value', label: 'Value', kind: 'text', optional: true, when: needsValue },
    ],
  },
  {
    id: 'level',
    label: "The event's level is",
    fields: [
      {
        name: 'match',
        label: 'Compared',
        kind: 'select',
        options: [
          ['eq', 'equal to'],
          ['gte', 'at least'],
          ['lte', 'at most'],
        ],
      },
      {
        name: 'level',
        label: 'Level',
        kind: 'select',
        options: pairs(['debug', 'info', 'warning', 'error', 'fatal']),
      },
    ],
  },
  {
    id: 'age_comparison',
    label: 'The issue is older or newer than',
    fields: [
      {
        name: 'comparisonType',
        label: 'The issue is',
        kind: 'select',
        options: [
          ['older', 'older than'],
          ['newer', 'newer than'],
        ],
      },
      { name: 'value', label: 'Amount', kind: 'number' },
      { name: 'time', label: 'Unit', kind: 'select', options: pairs(['minute', 'hour', 'day', 'week']) },
    ],
  },
  {
    id: 'issue_occurrences',
    label: 'The issue has happened at least N times',
    fields: [{ name: 'value', label: 'Times', kind: 'number' }],
  },
  {
    id: 'assigned_to',
    label: 'The issue is assigned to',
    fields: [
      {
        name: 'targetType',
        label: 'Assigned to',
        kind: 'select',
        options: pairs(['Unassigned', 'Team', 'Member']),
      },
      {
        name: 'targetIdentifier',
        label: 'Who',
        kind: 'member-or-team',
        optional: true,
        when: (n) => n.targetType !== 'Unassigned',
      },
    ],
  },
  { id: 'latest_release', label: 'The event is from the latest release', fields: [] },
  {
    id: 'issue_category',
    label: "The issue's category is",
    fields: [
      {
        name: 'value',
        label: 'Category',
        kind: 'select',
        options: pairs(['error', 'performance', 'feedback', 'cron']),
      },
    ],
  },
];

const personFields: readonly NodeField[] = [
  {
    name: 'targetType',
    label: 'Send to',
    kind: 'select',
    options: [
      ['IssueOwners', 'Issue owners'],
      ['Team', 'A team'],
      ['Member', 'A member'],
    ],
  },
  {
    name: 'targetIdentifier',
    label: 'Who',
    kind: 'member-or-team',
    optional: true,
    when: (n) => n.targetType !== 'IssueOwners',
  },
  {
    name: 'fallthroughType',
    label: 'When the issue has no owner',
    kind: 'select',
    optional: true,
    options: [
      ['ActiveMembers', 'Recently active members'],
      ['AllMembers', 'All members'],
      ['NoOne', 'No one'],
    ],
    when: (n) => n.targetType === 'IssueOwners',
  },
];

const integration = (provider: string): NodeField => ({
  name: 'integration',
  label: 'Integration',
  kind: 'integration',
  provider,
});

/** Actions: where a firing goes. */
export const ACTIONS: readonly NodeSpec[] = [
  { id: 'notify_email', label: 'Send an email', fields: personFields },
  { id: 'notify_inapp', label: 'Send an in-app message', fields: personFields },
  { id: 'notify_push', label: 'Send a web push notification', fields: personFields },
  {
    id: 'slack',
    label: 'Post to Slack',
    fields: [
      integration('slack'),
      { name: 'channel', label: 'Channel', kind: 'text', placeholder: '#alerts' },
    ],
  },
  {
    id: 'msteams',
    label: 'Post to Microsoft Teams',
    fields: [
      integration('msteams'),
      { name: 'channel', label: 'Channel', kind: 'text', placeholder: 'General' },
    ],
  },
  { id: 'webhook', label: 'Call a webhook', fields: [integration('webhook')] },
  {
    id: 'pagerduty',
    label: 'Trigger a PagerDuty incident',
    fields: [
      integration('pagerduty'),
      {
        name: 'severity',
        label: 'Severity',
        kind: 'select',
        optional: true,
        options: pairs(['default', 'critical', 'error', 'warning', 'info']),
      },
    ],
  },
  { id: 'discord', label: 'Post to Discord', fields: [integration('discord')] },
];

let nextKey = 0;

/** Gives a node a key for the form's list; `nodeBody` leaves it out of what is sent. */
export function keyed(node: Record<string, unknown>): Record<string, unknown> {
  return { ...node, [KEY]: nextKey++ };
}

/** The form's own key on a node. */
export const KEY = '__key';

/** A new node of a kind, with the first option of every required select chosen. */
export function newNode(spec: NodeSpec): Record<string, unknown> {
  const node: Record<string, unknown> = keyed({ id: spec.id });
  for (const field of spec.fields) {
    if (field.kind === 'select' && !field.optional && field.options?.[0])
      node[field.name] = field.options[0][0];
  }
  if (spec.id === 'event_frequency' || spec.id === 'event_unique_user_frequency') node.value = 100;
  return node;
}

/** The node as the API wants it: empty optional fields left out, hidden fields dropped, numbers as numbers. */
export function nodeBody(spec: NodeSpec | undefined, node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const known = new Set(spec?.fields.map((f) => f.name));
  for (const [key, value] of Object.entries(node)) if (!known.has(key) && key !== KEY) out[key] = value;
  if (!spec) return out;
  for (const field of spec.fields) {
    const value = node[field.name];
    if (field.when && !field.when(node)) continue;
    if (value === undefined || value === '') continue;
    out[field.name] =
      field.kind === 'number' &&
      typeof value === 'string' &&
      value.trim() !== '' &&
      Number.isFinite(Number(value))
        ? Number(value)
        : value;
  }
  return out;
}
