import { type Kysely, sql, type Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { preparedStatement } from '../store/prepared-query.js';
import { preparedRows } from '../store/prepared-rows.js';
import type { Database } from '../store/schema.js';
import { turnBatch } from '../store/turn-batch.js';
import type { RuleInput } from './condition.js';
import { type CompiledRule, compileRule } from './evaluate.js';
import type { ActionNode } from './rule-schema.js';
import { snoozeApplies, snoozeStateOf } from './rule-snoozes.js';
import type { RuleStore, StoredRule } from './rule-store.js';

/** A rule that matched an event and won its action interval. */
export interface FiredRule {
  readonly id: string;
  readonly name: string;
  readonly actions: readonly ActionNode[];
  /** Users who muted this rule for themselves: its actions skip them. */
  readonly mutedUserIds: readonly string[];
  /** Minutes between firings per issue; 0 fires on every matching event, so there is nothing to claim. */
  readonly frequency?: number;
}

/** What the processor needs. */
export interface RuleProcessorDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly rules: RuleStore;
}

/** A stored rule with its compiled form. */
export interface Compiled {
  readonly rule: StoredRule;
  readonly compiled: CompiledRule;
}

// Every evaluation runs these two: compiled once (see store/prepared-query.ts).
const ruleSetStamp = preparedStatement<
  Database,
  { projectId: string },
  { n: number | string; latest: number | null }
>(['projectId'], (db, p) =>
  db
    .selectFrom('rules')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('updated_at').as('latest')])
    .where('project_id', '=', p.projectId),
);
/**
 * The action-interval state and the active snoozes of the rules that apply, in one statement (one round
 * trip on PostgreSQL): a fire-state row has its issue and `last_fired`, a snooze row its `target`. Rows
 * are (issue, rule) pairs, of one evaluation or of several (see `states` below); fire states are read for
 * every issue and rule named, so a caller keeps only its own pairs. The time is the first row's (the
 * same on every row).
 */
const ruleStates = preparedRows<
  { issue_id: string; rule_id: string; now: number },
  { issue_id: string | null; rule_id: string; last_fired: number | string | null; target: string | null }
>(['issue_id', 'rule_id', 'now'], (rows, db) => {
  const ids = rows.map((row) => row.rule_id);
  return db
    .selectFrom('rule_fire_state')
    .select((eb) => [
      eb.ref('issue_id').$castTo<string | null>().as('issue_id'),
      'rule_id',
      eb.ref('last_fired').$castTo<number | null>().as('last_fired'),
      sql<string | null>`null`.as('target'),
    ])
    .where(
      'issue_id',
      'in',
      rows.map((row) => row.issue_id),
    )
    .where('rule_id', 'in', ids)
    .unionAll(
      db
        .selectFrom('rule_snoozes')
        .select((eb) => [
          sql<string | null>`null`.as('issue_id'),
          'rule_id',
          sql<number | null>`null`.as('last_fired'),
          eb.ref('target').$castTo<string | null>().as('target'),
        ])
        .where('rule_id', 'in', ids)
        .where(snoozeApplies(rows[0]!.now)),
    );
});

/** The rules of one evaluation whose state is read, for its issue. */
interface StateRequest {
  readonly issueId: string;
  readonly ruleIds: readonly string[];
  readonly now: number;
}

type StateRow = Awaited<ReturnType<typeof ruleStates>>[number];

const stateKey = (request: StateRequest) => `${request.issueId}\u0000${request.ruleIds.join('\u0000')}`;

/**
 * Runs a project's rules on one event, Sentry's way: environment and status first, then the action
 * interval (before any condition), then conditions and filters; rules muted for everyone are skipped.
 * Firing is claimed per rule and issue with a compare-and-set on `last_fired`, inside the caller's
 * transaction, so two workers evaluating the same event fire each rule once.
 */
export function ruleProcessor(deps: RuleProcessorDeps) {
  const { db, clock } = deps;
  const cache = new Map<string, { version: string; rules: Promise<Compiled[]> }>();
  // Evaluations of one project that start while its stamp is being read share that read: a burst of
  // alerts reads it once per batch instead of once per event. So an evaluation may see the rule set as
  // it was up to one read (a fraction of a millisecond) before it started, as it would had it started
  // that much earlier; a change committed before that read is always seen.
  const reading = new Map<string, Promise<string>>();
  // The evaluations a poll claimed reach this read together: their states are read with one statement.
  const states = turnBatch(stateKey, async (requests) => {
    const rows = await ruleStates(
      db,
      requests.flatMap(({ issueId, ruleIds, now }) =>
        ruleIds.map((rule_id) => ({ issue_id: issueId, rule_id, now })),
      ),
    );
    const byIssue = new Map<string | null, StateRow[]>();
    for (const row of rows) {
      const list = byIssue.get(row.issue_id);
      if (list) list.push(row);
      else byIssue.set(row.issue_id, [row]);
    }
    const snoozes = byIssue.get(null) ?? [];
    return new Map(
      requests.map((request): [string, StateRow[]] => [
        stateKey(request),
        [...(byIssue.get(request.issueId) ?? []), ...snoozes].filter((row) =>
          request.ruleIds.includes(row.rule_id),
        ),
      ]),
    );
  });
  function stampOf(projectId: string): Promise<string> {
    let pending = reading.get(projectId);
    if (!pending) {
      pending = ruleSetStamp(db, { projectId })
        .then(({ rows: [stamp] }) => `${stamp?.n ?? 0}:${stamp?.latest ?? 0}`)
        .finally(() => reading.delete(projectId));
      reading.set(projectId, pending);
    }
    return pending;
  }

  /**
   * The project's compiled rules. Compiling a thousand rules per event would dominate evaluation, so they
   * are kept until the project's rule set changes, which one indexed query tells (any process may edit).
   */
  async function rulesOf(projectId: string): Promise<Compiled[]> {
    const version = await stampOf(projectId);
    const hit = cache.get(projectId);
    if (hit && hit.version === version) return hit.rules;
    // Kept while it is read: the evaluations that find the same new version share one read and compile.
    const rules = deps.rules
      .activeRulesForProject(projectId)
      .then((stored) => stored.map((rule) => ({ rule, compiled: compileRule(rule) })));
    const entry = { version, rules };
    cache.set(projectId, entry);
    rules.catch(() => {
      if (cache.get(projectId) === entry) cache.delete(projectId);
    });
    return rules;
  }

  return {
    /** The project's rules as they stand now: `matching` may be given them instead of reading them again. */
    rules(projectId: string): Promise<ProjectRules> {
      return rulesOf(projectId);
    },

    /**
     * The rules whose interval is open and whose conditions and filters pass, with what fired them; of
     * `rules` when given (read with `rules` for the issue's project), else of the project's rules now.
     */
    async matching(
      input: RuleInput,
      rules?: ProjectRules,
    ): Promise<{ rules: FiredRule[]; lastFired: Map<string, number> }> {
      const all = rules ?? (await rulesOf(input.issue.projectId));
      const applicable = all.filter((r) => r.compiled.appliesTo(input));
      if (applicable.length === 0) return { rules: [], lastFired: new Map() };
      const ids = applicable.map((r) => r.rule.id);
      const now = clock.now();
      const rows = (await states({ issueId: input.issue.id, ruleIds: ids, now })) ?? [];
      const lastFired = new Map<string, number>();
      const active: { rule_id: string; target: string }[] = [];
      for (const row of rows) {
        if (row.target !== null) active.push({ rule_id: row.rule_id, target: row.target });
        else if (row.last_fired !== null) lastFired.set(row.rule_id, Number(row.last_fired));
      }
      const snoozes = snoozeStateOf(ids, active);
      const fired: FiredRule[] = [];
      for (const { rule, compiled } of applicable) {
        const snooze = snoozes.get(rule.id);
        if (snooze?.everyone) continue;
        if (compiled.isWithinActionInterval(lastFired.get(rule.id) ?? null, now)) continue;
        const result = compiled.matches(input);
        if (!(typeof result === 'boolean' ? result : await result)) continue;
        fired.push({
          id: rule.id,
          name: rule.name,
          actions: rule.actions,
          mutedUserIds: [...(snooze?.users ?? [])],
          frequency: rule.frequency,
        });
      }
      return { rules: fired, lastFired };
    },

    /**
     * Claims the action interval of each rule for the issue in `trx`; returns the rules this caller won.
     * Rules are claimed in id order so concurrent claimers never wait on each other in a cycle.
     */
    async claim(
      trx: Transaction<Database>,
      issueId: string,
      rules: readonly FiredRule[],
      lastFired: ReadonlyMap<string, number>,
    ): Promise<FiredRule[]> {
      const now = clock.now();
      const won: FiredRule[] = [];
      for (const rule of [...rules].sort((a, b) => (a.id < b.id ? -1 : 1))) {
        const previous = lastFired.get(rule.id);
        // No interval to guard: racing evaluations of one issue must each fire, not lose the compare-and-set.
        if (rule.frequency === 0) {
          won.push(rule);
          continue;
        }
        const result =
          previous === undefined
            ? await trx
                .insertInto('rule_fire_state')
                .values({ rule_id: rule.id, issue_id: issueId, last_fired: now })
                .onConflict((oc) => oc.columns(['rule_id', 'issue_id']).doNothing())
                .executeTakeFirst()
                .then((r) => Number(r.numInsertedOrUpdatedRows ?? 0))
            : await trx
                .updateTable('rule_fire_state')
                .set({ last_fired: now })
                .where('rule_id', '=', rule.id)
                .where('issue_id', '=', issueId)
                .where('last_fired', '=', previous)
                .executeTakeFirst()
                .then((r) => Number(r.numUpdatedRows));
        if (result === 1) won.push(rule);
      }
      return won;
    },
  };
}

/** The rule processor. */
export type RuleProcessor = ReturnType<typeof ruleProcessor>;

/** A project's compiled rules, as `RuleProcessor.rules` read them. */
export type ProjectRules = readonly Compiled[];
