import { z } from 'zod';
import { type FieldProblem, ValidationError } from '../errors.js';
import { ISSUE_CATEGORIES, LEVEL_NUMBERS, LEVELS } from '../events/event.js';
import { isPlainObject } from '../validation.js';
import { readableIssues, ruleProblems } from './readable-issues.js';
import { fromSentryRule } from './sentry-rules.js';

/** How the nodes of a stage combine: every one, at least one, or not one passes. */
export const MATCH_MODES = ['all', 'any', 'none'] as const;
/** One of {@link MATCH_MODES}. */
export type MatchMode = (typeof MATCH_MODES)[number];

/** String operators; the negated ones pass when no value of the key matches. */
export const STRING_OPERATORS = [
  'eq',
  'ne',
  'sw',
  'nsw',
  'ew',
  'new',
  'co',
  'nc',
  'is',
  'ns',
  'in',
  'nin',
] as const;
/** Numeric operators; only values that read as numbers can pass them. */
export const NUMERIC_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;
/** Every operator of `tagged_event` and `event_attribute`. */
export const MATCH_OPERATORS = [...STRING_OPERATORS, ...NUMERIC_OPERATORS] as const;
/** One of {@link MATCH_OPERATORS}. */
export type MatchOperator = (typeof MATCH_OPERATORS)[number];

/** Operators of the `level` filter. */
export const LEVEL_OPERATORS = ['eq', 'gte', 'lte'] as const;
/** Windows of the frequency conditions, Sentry's set. */
export const FREQUENCY_INTERVALS = ['1m', '5m', '15m', '1h', '1d', '1w', '30d'] as const;
/** How far back a percent comparison looks, Sentry's set. */
export const COMPARISON_INTERVALS = ['5m', '15m', '1h', '1d', '1w', '30d'] as const;
/** Window length of every interval name, in ms. */
export const INTERVAL_MS: Readonly<Record<(typeof FREQUENCY_INTERVALS)[number], number>> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
  '1w': 604_800_000,
  '30d': 2_592_000_000,
};
/** Units of `age_comparison`. */
export const AGE_UNITS = ['minute', 'hour', 'day', 'week'] as const;

/** Attributes of `event_attribute`; `extra.<path>` reaches into the event's extra data as well. */
export const EVENT_ATTRIBUTES = [
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
] as const;

/** Condition ids: what happened to the issue. */
export const CONDITION_IDS = [
  'every_event',
  'first_seen_event',
  'regression_event',
  'reappeared_event',
  'new_high_priority_issue',
  'existing_high_priority_issue',
  'event_frequency',
  'event_unique_user_frequency',
] as const;
/** Filter ids: which events and issues qualify. */
export const FILTER_IDS = [
  'tagged_event',
  'event_attribute',
  'level',
  'age_comparison',
  'issue_occurrences',
  'assigned_to',
  'latest_release',
  'issue_category',
] as const;
/** Action ids: where a firing goes. */
export const ACTION_IDS = [
  'notify_email',
  'notify_push',
  'notify_inapp',
  'slack',
  'msteams',
  'webhook',
  'pagerduty',
  'discord',
] as const;

/** Recipients of the person-directed actions. */
export const ACTION_TARGET_TYPES = ['IssueOwners', 'Team', 'Member'] as const;
/** Who gets an issue-owners alert when the issue has no owner. */
export const FALLTHROUGH_TYPES = ['ActiveMembers', 'AllMembers', 'NoOne'] as const;
/** What `assigned_to` looks for. */
export const ASSIGNEE_TARGET_TYPES = ['Unassigned', 'Team', 'Member'] as const;
/** PagerDuty event severities. */
export const PAGERDUTY_SEVERITIES = ['default', 'critical', 'error', 'warning', 'info'] as const;

const LEVEL_VALUES = [...LEVELS, ...LEVELS.map((l) => String(LEVEL_NUMBERS[l]))];
const id = z.string().min(1).max(128);
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Checks the `value` of a `match`/`value` pair: required except for `is`/`ns`, a number for `gt`… */
function checkValue(node: { match: string; value?: string | undefined }, ctx: z.RefinementCtx): void {
  const { match, value } = node;
  if (match === 'is' || match === 'ns') return;
  if (value === undefined || value === '') {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `is required with "${match}"` });
  } else if ((NUMERIC_OPERATORS as readonly string[]).includes(match) && !isNumeric(value)) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `must be a number with "${match}"` });
  }
}

const frequency = <I extends string>(nodeId: I) =>
  z
    .strictObject({
      id: z.literal(nodeId),
      value: count,
      interval: z.enum(FREQUENCY_INTERVALS),
      comparisonType: z.enum(['count', 'percent']).default('count'),
      comparisonInterval: z.enum(COMPARISON_INTERVALS).optional(),
    })
    .superRefine((node, ctx) => {
      if (node.comparisonType === 'percent' && node.comparisonInterval === undefined) {
        ctx.addIssue({ code: 'custom', path: ['comparisonInterval'], message: 'is required with "percent"' });
      }
    });

const bare = <I extends string>(nodeId: I) => z.strictObject({ id: z.literal(nodeId) });

/** Condition nodes: what happened to the issue. */
export const conditionSchema = z.discriminatedUnion(
  'id',
  [
    bare('every_event'),
    bare('first_seen_event'),
    bare('regression_event'),
    bare('reappeared_event'),
    bare('new_high_priority_issue'),
    bare('existing_high_priority_issue'),
    frequency('event_frequency'),
    frequency('event_unique_user_frequency'),
  ],
  { error: (issue) => unknownNode(issue.input, 'condition') },
);

/** Filter nodes: which events and issues qualify. */
export const filterSchema = z.discriminatedUnion(
  'id',
  [
    z
      .strictObject({
        id: z.literal('tagged_event'),
        key: z.string().min(1).max(200),
        match: z.enum(MATCH_OPERATORS),
        value: z.string().max(1000).optional(),
      })
      .superRefine(checkValue),
    z
      .strictObject({
        id: z.literal('event_attribute'),
        attribute: z.string().refine(isEventAttribute, {
          error: `must be one of: ${EVENT_ATTRIBUTES.join(', ')}, or extra.<path>`,
        }),
        match: z.enum(MATCH_OPERATORS),
        value: z.string().max(1000).optional(),
      })
      .superRefine(checkValue),
    z.strictObject({
      id: z.literal('level'),
      match: z.enum(LEVEL_OPERATORS),
      level: z.string().refine((l) => LEVEL_VALUES.includes(l.toLowerCase()), {
        error: `must be one of: ${LEVEL_VALUES.join(', ')}`,
      }),
    }),
    z.strictObject({
      id: z.literal('age_comparison'),
      comparisonType: z.enum(['older', 'newer']),
      value: count,
      time: z.enum(AGE_UNITS),
    }),
    z.strictObject({ id: z.literal('issue_occurrences'), value: count }),
    z
      .strictObject({
        id: z.literal('assigned_to'),
        targetType: z.enum(ASSIGNEE_TARGET_TYPES),
        targetIdentifier: id.optional(),
      })
      .superRefine(requireTarget('Unassigned')),
    bare('latest_release'),
    z.strictObject({ id: z.literal('issue_category'), value: z.enum(ISSUE_CATEGORIES) }),
  ],
  { error: (issue) => unknownNode(issue.input, 'filter') },
);

/** A chat action's opt-in batching: a storm becomes one message per window listing the issues. */
export const chatDigestSchema = z.strictObject({ windowSeconds: z.int().min(60).max(3600) });

/** Personal channels a person-targeted action may fall back to, in order. */
export const FALLBACK_CHANNELS = ['email', 'slack', 'inapp', 'push'] as const;

const person = <I extends string>(nodeId: I) =>
  z
    .strictObject({
      id: z.literal(nodeId),
      targetType: z.enum(ACTION_TARGET_TYPES),
      targetIdentifier: id.optional(),
      fallthroughType: z.enum(FALLTHROUGH_TYPES).optional(),
      /** Tried in order when the action's own channel ends dead or unroutable for a person. */
      fallback: z.array(z.enum(FALLBACK_CHANNELS)).max(4).optional(),
    })
    .superRefine(requireTarget('IssueOwners'));

/** Action nodes: where a firing goes. */
export const actionSchema = z.discriminatedUnion(
  'id',
  [
    person('notify_email'),
    person('notify_push'),
    person('notify_inapp'),
    z.strictObject({
      id: z.literal('slack'),
      integration: id,
      channel: z.string().min(1).max(256),
      digest: chatDigestSchema.optional(),
    }),
    z.strictObject({
      id: z.literal('msteams'),
      integration: id,
      channel: z.string().min(1).max(256),
      digest: chatDigestSchema.optional(),
    }),
    z.strictObject({ id: z.literal('webhook'), integration: id }),
    z.strictObject({
      id: z.literal('pagerduty'),
      integration: id,
      severity: z.enum(PAGERDUTY_SEVERITIES).optional(),
    }),
    z.strictObject({ id: z.literal('discord'), integration: id, digest: chatDigestSchema.optional() }),
  ],
  { error: (issue) => unknownNode(issue.input, 'action') },
);

/**
 * A rule as a user writes it. Unknown fields fail, because a misspelt one would silently change what
 * alerts (`condition` for `conditions` is a rule without conditions: every event); the fields of the
 * API's answer are let through and dropped, so a rule read back can be sent again (see
 * {@link unknownRuleFields}).
 */
export const ruleBodySchema = z.object({
  name: z.string().min(1).max(256),
  environment: z.string().min(1).max(64).nullable().default(null),
  actionMatch: z.enum(MATCH_MODES).default('all'),
  filterMatch: z.enum(MATCH_MODES).default('all'),
  frequency: z.int().min(0).max(43_200).default(30),
  conditions: z.array(conditionSchema).max(100).default([]),
  filters: z.array(filterSchema).max(100).default([]),
  actions: z.array(actionSchema).min(1, 'must name at least one action').max(100),
});

/** A validated rule body, defaults applied. */
export type RuleBody = z.output<typeof ruleBodySchema>;
/** A validated condition node. */
export type ConditionNode = z.output<typeof conditionSchema>;
/** A validated filter node. */
export type FilterNode = z.output<typeof filterSchema>;
/** A validated action node. */
export type ActionNode = z.output<typeof actionSchema>;
/** The ids of the condition nodes. */
export type ConditionId = ConditionNode['id'];
/** The ids of the filter nodes. */
export type FilterId = FilterNode['id'];
/** The part of a rule that decides whether it fires; all that evaluation and preview need. */
export type RuleLogic = Pick<
  RuleBody,
  'environment' | 'actionMatch' | 'filterMatch' | 'frequency' | 'conditions' | 'filters'
>;

/** The fields of a rule as the API answers it, beside its body: a rule sent back may carry them. */
const ANSWER_FIELDS = new Set(['id', 'projectId', 'createdAt', 'updatedAt', 'snoozes']);

/** Top-level fields of `input` that are neither in `shape` nor of the API's answer, named for the user. */
function unknownRuleFields(input: unknown, shape: Readonly<Record<string, unknown>>): FieldProblem[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  const known = Object.keys(shape);
  return Object.keys(input)
    .filter((key) => !Object.hasOwn(shape, key) && !ANSWER_FIELDS.has(key))
    .map((key) => {
      const near = known.find(
        (k) => [`${key}s`, key.replace(/s$/, '')].includes(k) || k.toLowerCase() === key.toLowerCase(),
      );
      return { path: key, message: near ? `Unknown field: did you mean "${near}"?` : 'Unknown field' };
    });
}

/**
 * Validates a rule's body, or a body `schema` built on it (the preview's), in Herald's spelling or in
 * Sentry's (sentry-rules.ts); throws {@link ValidationError} naming every bad field, unknown ones included.
 */
export function parseRuleInput<S extends z.ZodObject>(schema: S, written: unknown): z.output<S> {
  const input = fromSentryRule(written);
  const unknown = unknownRuleFields(input, schema.shape);
  const result = schema.safeParse(input, { error: readableIssues });
  const fallback = fallbackProblems(input);
  if (!result.success || unknown.length > 0 || fallback.length > 0)
    throw new ValidationError([
      ...unknown,
      ...(result.success ? [] : ruleProblems(result.error)),
      ...fallback,
    ]);
  return result.data;
}

/** The channel each person action sends on. */
export const PERSON_ACTION_CHANNELS: Readonly<
  Partial<Record<ActionNode['id'], (typeof FALLBACK_CHANNELS)[number]>>
> = {
  notify_email: 'email',
  notify_push: 'push',
  notify_inapp: 'inapp',
};

/**
 * A person action's `fallback` names each channel once and never the action's own, as a person's own
 * list does (people/user-options.ts). Refused on the way in only, not by the schema: a rule saved
 * before still validates when it is read back and fires as it did (fan-out leaves the action's own
 * channel out of the chain, and a channel named again ends it).
 */
function fallbackProblems(input: unknown): FieldProblem[] {
  const actions = isPlainObject(input) && Array.isArray(input.actions) ? (input.actions as unknown[]) : [];
  return actions.flatMap((action, i) => {
    if (!isPlainObject(action) || !Array.isArray(action.fallback) || typeof action.id !== 'string') return [];
    const own = Object.hasOwn(PERSON_ACTION_CHANNELS, action.id)
      ? PERSON_ACTION_CHANNELS[action.id as ActionNode['id']]
      : null;
    if (!own) return [];
    const channels = action.fallback as unknown[];
    return channels.flatMap((channel, j): FieldProblem[] => {
      // Anything else in the list is the schema's to name.
      if (!(FALLBACK_CHANNELS as readonly unknown[]).includes(channel)) return [];
      const path = `actions.${i}.fallback.${j}`;
      if (channel === own) return [{ path, message: `'${own}' is the action's own channel` }];
      if (channels.indexOf(channel) !== j) return [{ path, message: `'${channel}' is already in the list` }];
      return [];
    });
  });
}

/** Validates a rule body; throws {@link ValidationError} naming every bad field. */
export function parseRuleBody(input: unknown): RuleBody {
  return parseRuleInput(ruleBodySchema, input);
}

/** True for a known attribute or an `extra.<path>` one, in any case. */
export function isEventAttribute(name: string): boolean {
  const lower = name.toLowerCase();
  return (EVENT_ATTRIBUTES as readonly string[]).includes(lower) || /^extra\.[^.]+(\.[^.]+)*$/.test(lower);
}

/** True when the whole string reads as a finite number (an empty one does not). */
export function isNumeric(value: string): boolean {
  return value.trim() !== '' && Number.isFinite(Number(value));
}

function requireTarget(exempt: string) {
  return (node: { targetType: string; targetIdentifier?: string | undefined }, ctx: z.RefinementCtx) => {
    if (node.targetType !== exempt && node.targetIdentifier === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['targetIdentifier'],
        message: `is required with "${node.targetType}"`,
      });
    }
  };
}

const NODE_KINDS: readonly (readonly [string, readonly string[], string])[] = [
  ['condition', CONDITION_IDS, 'conditions'],
  ['filter', FILTER_IDS, 'filters'],
  ['action', ACTION_IDS, 'actions'],
];

/** Why a node's id was refused, naming the ids its list takes. */
function unknownNode(input: unknown, kind: string): string {
  const given = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined;
  const known = `one of: ${NODE_KINDS.find(([name]) => name === kind)?.[1].join(', ')}`;
  if (typeof given !== 'string') return `must name a ${kind} id, ${known}`;
  const elsewhere = NODE_KINDS.find(([other, ids]) => other !== kind && ids.includes(given));
  if (elsewhere) return `"${given}" is a ${elsewhere[0]}: put it in ${elsewhere[2]}`;
  return `"${given}" is not a known ${kind}; ${known}`;
}
