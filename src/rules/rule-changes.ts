import {
  actionLabel,
  conditionLabel,
  filterLabel,
  MATCH_MODE_LABELS,
  type RuleNames,
} from './rule-labels.js';
import type { RuleBody } from './rule-schema.js';

/**
 * What changed between two versions of a rule, one sentence per change, for the "Alert rule updated"
 * confirmation. With no previous version (a new rule) every part of the rule is listed as set or added.
 * A node edited in place reads as one removal and one addition: nodes have no identity of their own.
 */
export function ruleChanges(
  before: RuleBody | null,
  after: RuleBody,
  names: RuleNames = new Map(),
): string[] {
  if (before === null) return created(after, names);
  const changes: string[] = [];
  if (before.name !== after.name) changes.push(`Changed name from "${before.name}" to "${after.name}"`);
  if (before.environment !== after.environment) {
    changes.push(
      `Changed environment from ${environment(before.environment)} to ${environment(after.environment)}`,
    );
  }
  if (before.frequency !== after.frequency) {
    changes.push(`Changed frequency from ${before.frequency} to ${minutes(after.frequency)}`);
  }
  if (before.actionMatch !== after.actionMatch) {
    changes.push(
      `Changed condition match from ${MATCH_MODE_LABELS[before.actionMatch]} to ${MATCH_MODE_LABELS[after.actionMatch]}`,
    );
  }
  changes.push(
    ...nodeChanges('condition', before.conditions, after.conditions, (n) => conditionLabel(n, names)),
  );
  if (before.filterMatch !== after.filterMatch) {
    changes.push(
      `Changed filter match from ${MATCH_MODE_LABELS[before.filterMatch]} to ${MATCH_MODE_LABELS[after.filterMatch]}`,
    );
  }
  changes.push(...nodeChanges('filter', before.filters, after.filters, (n) => filterLabel(n, names)));
  changes.push(...nodeChanges('action', before.actions, after.actions, (n) => actionLabel(n, names)));
  return changes;
}

function created(rule: RuleBody, names: RuleNames): string[] {
  return [
    ...(rule.environment === null ? [] : [`Set environment to ${rule.environment}`]),
    `Set frequency to ${minutes(rule.frequency)}`,
    ...rule.conditions.map((n) => `Added condition: ${conditionLabel(n, names)}`),
    ...rule.filters.map((n) => `Added filter: ${filterLabel(n, names)}`),
    ...rule.actions.map((n) => `Added action: ${actionLabel(n, names)}`),
  ];
}

/** Removals first, then additions; a node present in both versions (as often as before) is not a change. */
function nodeChanges<N extends object>(
  kind: string,
  before: readonly N[],
  after: readonly N[],
  label: (node: N) => string,
): string[] {
  const remaining = new Map<string, number>();
  for (const node of after) remaining.set(canonical(node), (remaining.get(canonical(node)) ?? 0) + 1);
  const removed: string[] = [];
  for (const node of before) {
    const key = canonical(node);
    const left = remaining.get(key) ?? 0;
    if (left > 0) remaining.set(key, left - 1);
    else removed.push(`Removed ${kind}: ${label(node)}`);
  }
  const kept = new Map<string, number>();
  for (const node of before) kept.set(canonical(node), (kept.get(canonical(node)) ?? 0) + 1);
  const added: string[] = [];
  for (const node of after) {
    const key = canonical(node);
    const left = kept.get(key) ?? 0;
    if (left > 0) kept.set(key, left - 1);
    else added.push(`Added ${kind}: ${label(node)}`);
  }
  return [...removed, ...added];
}

/** Key order does not make two nodes different. */
function canonical(node: object): string {
  return JSON.stringify(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function environment(value: string | null): string {
  return value ?? 'all environments';
}

function minutes(value: number): string {
  return value === 1 ? '1 minute' : `${value} minutes`;
}
