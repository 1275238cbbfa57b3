import type { Predicate, RuleContext, RuleInput } from './condition.js';
import { implementationOf } from './registry.js';
import type { ConditionNode, FilterNode, MatchMode, RuleLogic } from './rule-schema.js';

export type { FrequencyReader, RuleInput } from './condition.js';

/** A rule compiled once and evaluated against many events. */
export interface CompiledRule {
  readonly id: string;
  /** The only environment whose events the rule sees, or null for all. */
  readonly environment: string | null;
  /** Action interval in minutes; 0 fires on every matching event. */
  readonly frequency: number;
  /** True when {@link CompiledRule.matches} may return a Promise (the rule reads event counts). */
  readonly async: boolean;
  /** Whether the rule looks at this input at all: the issue is unresolved and the environment is the rule's. */
  appliesTo(input: RuleInput): boolean;
  /** True while the rule fired on the issue less than `frequency` minutes ago; checked before conditions. */
  isWithinActionInterval(lastFiredAt: number | null, now: number): boolean;
  /**
   * Filters (over `filterMatch`), then conditions (over `actionMatch`), short-circuiting, counters last.
   * A plain boolean unless a frequency condition had to be read.
   */
  matches(input: RuleInput): boolean | Promise<boolean>;
}

/** Compiles a validated rule: nodes are compiled once here, so per-event work is only the tests. */
export function compileRule(rule: RuleLogic & { readonly id: string }): CompiledRule {
  const context: RuleContext = { environment: rule.environment ?? null };
  const filters = compileStage(rule.filters, rule.filterMatch, context);
  const conditions = compileStage(rule.conditions, rule.actionMatch, context);
  const windowMs = rule.frequency * 60_000;
  const environment = context.environment;

  return {
    id: rule.id,
    environment,
    frequency: rule.frequency,
    async: filters.async || conditions.async,
    appliesTo:
      environment === null
        ? (input) => input.issue.status === 'unresolved'
        : (input) => input.issue.status === 'unresolved' && input.event.environment === environment,
    isWithinActionInterval: (lastFiredAt, now) =>
      windowMs > 0 && lastFiredAt !== null && lastFiredAt > now - windowMs,
    matches:
      filters.predicates.length === 0
        ? conditions.run
        : (input) => {
            const passed = filters.run(input);
            if (passed === true) return conditions.run(input);
            if (passed === false) return false;
            return passed.then((ok) => ok && conditions.run(input));
          },
  };
}

interface Stage {
  readonly predicates: readonly Predicate[];
  readonly async: boolean;
  readonly run: (input: RuleInput) => boolean | Promise<boolean>;
}

/**
 * One stage as a short-circuiting loop: `all` stops at the first failure, `any` and `none` at the first
 * success (`none` then fails). An empty stage passes whatever its mode, as in Sentry.
 */
function compileStage(
  nodes: readonly (ConditionNode | FilterNode)[],
  mode: MatchMode,
  context: RuleContext,
): Stage {
  const compiled = nodes.map((node) => {
    const implementation = implementationOf(node);
    return { async: implementation.async === true, predicate: implementation.compile(node, context) };
  });
  // Synchronous nodes first: they may settle the stage before a counter is read.
  const predicates = [...compiled.filter((c) => !c.async), ...compiled.filter((c) => c.async)].map(
    (c) => c.predicate,
  );
  const async = compiled.some((c) => c.async);
  if (predicates.length === 0) return { predicates, async, run: () => true };

  const stopOn = mode !== 'all';
  const whenStopped = mode === 'any';
  const whenDone = mode !== 'any';
  const run = (input: RuleInput, start: number): boolean | Promise<boolean> => {
    for (let i = start; i < predicates.length; i++) {
      const result = predicates[i]!(input);
      if (typeof result !== 'boolean') {
        return result.then((value) => (value === stopOn ? whenStopped : run(input, i + 1)));
      }
      if (result === stopOn) return whenStopped;
    }
    return whenDone;
  };
  return { predicates, async, run: (input) => run(input, 0) };
}
