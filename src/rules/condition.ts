import type { HeraldEvent, IngestOutcome, IssueSnapshot } from '../events/event.js';
import type { ConditionId, ConditionNode, FilterId, FilterNode } from './rule-schema.js';

/** Counts of an issue's past events, kept by whoever stores them; rules only read. */
export interface FrequencyReader {
  /**
   * Events (or distinct users) of the issue in `[from, to)`, epoch ms. The event being evaluated has
   * already been recorded (ingest counts before rules run). `environment` is set when the rule has one;
   * a reader that keeps counts per environment narrows by it, as Sentry does.
   */
  count(q: {
    issueId: string;
    kind: 'events' | 'users';
    from: number;
    to: number;
    environment?: string;
  }): Promise<number>;
}

/** Everything a rule is evaluated against: one event, its issue after ingest, and what ingest did. */
export interface RuleInput {
  readonly event: HeraldEvent;
  readonly issue: IssueSnapshot;
  readonly outcome: IngestOutcome;
  /** Evaluation time, epoch ms; windows and ages are measured from it. */
  readonly now: number;
  /**
   * The project's latest release (in the rule's environment, when it has one), or a function that reads
   * it: then it is read only when a rule's `latest_release` filter gets that far, and the function is
   * expected to read it once per input however many rules ask.
   */
  readonly latestRelease: string | null | (() => Promise<string | null>);
  readonly frequency: FrequencyReader;
}

/** A compiled node: cheap to call once per event. */
export type Predicate = (input: RuleInput) => boolean | Promise<boolean>;

/** What a node may know of the rule it belongs to while it is compiled. */
export interface RuleContext {
  /** The rule's environment, or null for every environment. */
  readonly environment: string | null;
}

/**
 * One kind of condition or filter. `compile` does the work that does not depend on the event (lower-
 * casing, parsing lists) so that evaluating the same rule on many events stays cheap.
 */
export interface NodeImplementation<N extends { id: string }> {
  readonly id: N['id'];
  readonly kind: 'condition' | 'filter';
  /** True when the predicate may return a Promise (it reads counters); such nodes are evaluated last. */
  readonly async?: boolean;
  compile(node: N, rule: RuleContext): Predicate;
}

/** The implementation of the condition with id `I`. */
export type ConditionImplementation<I extends ConditionId = ConditionId> = NodeImplementation<
  Extract<ConditionNode, { id: I }>
> & { readonly kind: 'condition' };

/** The implementation of the filter with id `I`. */
export type FilterImplementation<I extends FilterId = FilterId> = NodeImplementation<
  Extract<FilterNode, { id: I }>
> & { readonly kind: 'filter' };
