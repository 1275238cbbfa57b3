import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { ttlCache } from '../delivery/ttl-cache.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { HeraldEvent } from '../events/event.js';
import { storedEvent } from '../events/event-records.js';
import { MAX_TAG_LENGTH } from '../events/event-schema.js';
import { newId } from '../ids.js';
import type { Database, InhibitRuleTable } from '../store/schema.js';
import { iso } from '../tenancy/context.js';
import { muteCounts } from './mute-counts.js';
import {
  allMatch,
  type CompiledMatcher,
  compileMatcher,
  eventValues,
  MAX_MATCHERS,
  matcherSchema,
  matchersText,
  type SilenceMatcher,
  storedMatchers,
} from './silence-matchers.js';
import { MAX_COMMENT } from './silences.js';

/** Inhibit rules a project may have: every event of it is held against them all. */
export const MAX_INHIBIT_RULES = 100;
/** Most `equal` label names one rule may have. */
export const MAX_EQUAL_LABELS = 20;
/**
 * How long the pipeline reuses a project's rules and the label values of their firing sources. A rule
 * written through this process is seen at once, and so is an issue it resolves (both forget what they
 * change); one written through another process of a cluster, within this time.
 */
export const INHIBITION_TTL_MS = 2_000;
/**
 * Unresolved issues read per refresh of a project's sources: the most recently seen. An issue past them
 * (a project with more than this many open at once) does not inhibit until it is seen again.
 */
export const MAX_SOURCE_ISSUES = 1_000;

/**
 * One side of a rule: 1 to {@link MAX_MATCHERS} matchers in the silence's shape. Unlike a silence's,
 * they may all match the empty string: `severity!="critical"` is a fair target, since the rule mutes
 * only while a source fires, and only where the `equal` labels agree.
 */
const sideSchema = z
  .array(matcherSchema)
  .min(1, 'must have at least one matcher')
  .max(MAX_MATCHERS, `must have at most ${MAX_MATCHERS} matchers`);

/** What an inhibit rule is made of, as the API takes it. */
export const inhibitRuleFields = {
  sourceMatchers: sideSchema.describe(
    'While an unresolved issue whose latest event matches all of these exists, it inhibits targets',
  ),
  targetMatchers: sideSchema.describe('The events a firing source mutes match all of these'),
  equal: z
    .array(z.string().min(1).max(MAX_TAG_LENGTH))
    .max(MAX_EQUAL_LABELS, `must have at most ${MAX_EQUAL_LABELS} labels`)
    .default([])
    .transform((names) => [...new Set(names)])
    .describe(
      'Labels (tags) the source and the target must have the same value of; a label missing on both counts as equal',
    ),
  comment: z.string().trim().max(MAX_COMMENT).default(''),
};

/** An inhibit rule as the API takes it. */
export interface InhibitRuleInput {
  readonly sourceMatchers: readonly SilenceMatcher[];
  readonly targetMatchers: readonly SilenceMatcher[];
  readonly equal: readonly string[];
  readonly comment: string;
}

/** An inhibit rule as the API shows it. */
export interface InhibitRule {
  readonly id: string;
  readonly sourceMatchers: SilenceMatcher[];
  readonly targetMatchers: SilenceMatcher[];
  readonly equal: string[];
  readonly comment: string;
  readonly createdAt: string;
  /** Events it kept from the alert rules (written within a second or so of their evaluation). */
  readonly mutedEvents: number;
  /** When it last muted one; null until it has. */
  readonly lastMutedAt: string | null;
}

/** What inhibits an event: the firing issues, and the rules through which they do. */
export interface Inhibition {
  /** Ids of the issues whose firing inhibits it. */
  readonly sources: readonly string[];
  /** Ids of the rules that hold it against those sources. */
  readonly rules: readonly string[];
}

/** A firing source of a rule, as the pipeline holds it. */
interface Source {
  /** Its `equal` label values, joined into one key. */
  readonly key: string;
  /** It matches the target side too: Alertmanager lets it inhibit only what does not. */
  readonly alsoTarget: boolean;
}

/** A rule as the pipeline holds it: matchers compiled, and its firing sources by issue. */
interface LiveRule {
  readonly id: string;
  readonly source: readonly CompiledMatcher[];
  readonly target: readonly CompiledMatcher[];
  readonly equal: readonly string[];
  /** Source issue id → its key; and key → the source issues with it. */
  readonly byIssue: Map<string, Source>;
  readonly byKey: Map<string, Set<string>>;
}

const NOT_INHIBITED: Inhibition = { sources: [], rules: [] };

/** What the inhibit rule service needs. */
export interface InhibitRuleDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** How long the pipeline reuses a project's rules and sources; default {@link INHIBITION_TTL_MS}. */
  readonly ttlMs?: number;
  /** Told of a write of mute counts that failed. */
  readonly logger?: Logger;
}

const parseNames = (text: string): string[] => {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
};

function toRule(row: InhibitRuleTable): InhibitRule {
  return {
    id: row.id,
    sourceMatchers: storedMatchers(row.source_matchers),
    targetMatchers: storedMatchers(row.target_matchers),
    equal: parseNames(row.equal),
    comment: row.comment,
    createdAt: iso(row.created_at),
    mutedEvents: row.muted_events,
    lastMutedAt: row.last_muted_at === null ? null : iso(row.last_muted_at),
  };
}

/** The key of the `equal` label values: a missing label reads as the empty string, as Alertmanager's. */
const keyOf = (equal: readonly string[], values: (name: string) => string) =>
  JSON.stringify(equal.map(values));

function addSource(rule: LiveRule, issueId: string, source: Source): void {
  rule.byIssue.set(issueId, source);
  const issues = rule.byKey.get(source.key);
  if (issues) issues.add(issueId);
  else rule.byKey.set(source.key, new Set([issueId]));
}

function dropSource(rule: LiveRule, issueId: string): void {
  const source = rule.byIssue.get(issueId);
  if (!source) return;
  rule.byIssue.delete(issueId);
  const issues = rule.byKey.get(source.key);
  issues?.delete(issueId);
  if (issues?.size === 0) rule.byKey.delete(source.key);
}

/**
 * A project's inhibit rules (Alertmanager's `inhibit_rules`): while an unresolved issue whose latest
 * event matches a rule's source matchers exists (a firing source), the events that match its target
 * matchers and have the same values of its `equal` labels fire no alert rule; they are still stored and
 * grouped. An event that matches both sides is not inhibited by a source that does too (Alertmanager's
 * rule, which keeps an alert from inhibiting itself), nor ever by its own issue.
 *
 * The pipeline holds, per project, the rules and the `equal` label values of each rule's firing sources,
 * read at once for a project (its rules, then its unresolved issues' latest events) and kept
 * {@link INHIBITION_TTL_MS}; a project without rules costs a cached empty list. A source that started
 * firing within that time may not inhibit yet (one evaluated in another process of a cluster, until this
 * one reads again), as Alertmanager's own timing lets a target through that is judged before its source
 * arrived; one this process evaluates counts at once (`note`), and a resolution through this process
 * stops its issue inhibiting at once (`settled`). What each rule muted is counted in memory and
 * written within a second (see muteCounts).
 */
export function inhibitRules(deps: InhibitRuleDeps) {
  const { db, clock } = deps;
  const live = ttlCache<readonly LiveRule[]>(deps.ttlMs ?? INHIBITION_TTL_MS, 10_000);
  const muted = muteCounts({ db, clock, logger: deps.logger, table: 'inhibit_rules' });

  async function loadLive(projectId: string): Promise<readonly LiveRule[]> {
    const rows = await db
      .selectFrom('inhibit_rules')
      .select(['id', 'source_matchers', 'target_matchers', 'equal'])
      .where('project_id', '=', projectId)
      .execute();
    if (rows.length === 0) return [];
    const rules: LiveRule[] = rows.map((row) => ({
      id: row.id,
      source: storedMatchers(row.source_matchers).map(compileMatcher),
      target: storedMatchers(row.target_matchers).map(compileMatcher),
      equal: parseNames(row.equal),
      byIssue: new Map(),
      byKey: new Map(),
    }));
    // Bounded: the most recently seen unresolved issues (see MAX_SOURCE_ISSUES), one read per refresh.
    const latest = await db
      .selectFrom('issues')
      .innerJoin('events', 'events.id', 'issues.last_event_id')
      .selectAll('events')
      .where('issues.project_id', '=', projectId)
      .where('issues.status', '=', 'unresolved')
      .orderBy('issues.last_seen', 'desc')
      .limit(MAX_SOURCE_ISSUES)
      .execute();
    for (const row of latest) noteIn(rules, row.issue_id, storedEvent(row).event);
    return rules;
  }

  /** Makes the event its issue's latest in each rule: a source where it matches, none where it does not. */
  function noteIn(rules: readonly LiveRule[], issueId: string, event: HeraldEvent): void {
    const values = eventValues(event);
    for (const rule of rules) {
      dropSource(rule, issueId);
      if (allMatch(rule.source, values))
        addSource(rule, issueId, {
          key: keyOf(rule.equal, values),
          alsoTarget: allMatch(rule.target, values),
        });
    }
  }

  /**
   * What inhibits this event of issue `issueId` now (nothing for a project without rules, answered from
   * the cache). Every rule whose target side the event matches is held against its sources with the
   * event's `equal` values.
   */
  async function inhibition(projectId: string, issueId: string, event: HeraldEvent): Promise<Inhibition> {
    const rules = await live.get(projectId, () => loadLive(projectId));
    if (rules.length === 0) return NOT_INHIBITED;
    const values = eventValues(event);
    const found = new Set<string>();
    const through: string[] = [];
    for (const rule of rules) {
      if (rule.byIssue.size === 0 || !allMatch(rule.target, values)) continue;
      const twoSided = allMatch(rule.source, values);
      let inhibits = false;
      for (const source of rule.byKey.get(keyOf(rule.equal, values)) ?? []) {
        if (source === issueId || (twoSided && rule.byIssue.get(source)?.alsoTarget)) continue;
        found.add(source);
        inhibits = true;
      }
      if (inhibits) through.push(rule.id);
    }
    return found.size === 0 ? NOT_INHIBITED : { sources: [...found], rules: through };
  }

  async function row(projectId: string, id: string): Promise<InhibitRuleTable> {
    const found = await db
      .selectFrom('inhibit_rules')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!found) throw new NotFoundError('Inhibit rule');
    return found;
  }

  return {
    /** Creates a rule; 409 once the project has {@link MAX_INHIBIT_RULES}. */
    async create(
      scope: { readonly orgId: string; readonly projectId: string },
      input: InhibitRuleInput,
    ): Promise<InhibitRule> {
      const now = clock.now();
      const created: InhibitRuleTable = {
        id: newId('inh', now),
        org_id: scope.orgId,
        project_id: scope.projectId,
        source_matchers: matchersText(input.sourceMatchers),
        target_matchers: matchersText(input.targetMatchers),
        equal: JSON.stringify([...new Set(input.equal)]),
        comment: input.comment,
        created_at: now,
        muted_events: 0,
        last_muted_at: null,
      };
      await db.transaction().execute(async (trx) => {
        const { n } = await trx
          .selectFrom('inhibit_rules')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('project_id', '=', scope.projectId)
          .executeTakeFirstOrThrow();
        if (Number(n) >= MAX_INHIBIT_RULES)
          throw new ConflictError(
            `The project has ${MAX_INHIBIT_RULES} inhibit rules: delete some before adding more`,
          );
        await trx.insertInto('inhibit_rules').values(created).execute();
      });
      live.delete(scope.projectId);
      return toRule(created);
    },

    /** One rule of the project; 404 when it has none with this id. */
    async get(projectId: string, id: string): Promise<InhibitRule> {
      return toRule(await row(projectId, id));
    },

    /** The project's rules, newest first (at most {@link MAX_INHIBIT_RULES}, so no pages). */
    async list(projectId: string): Promise<InhibitRule[]> {
      const rows = await db
        .selectFrom('inhibit_rules')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toRule);
    },

    /** Deletes a rule: it inhibits nothing from now on; 404 when the project has none with this id. */
    async delete(projectId: string, id: string): Promise<void> {
      await row(projectId, id);
      await db.deleteFrom('inhibit_rules').where('project_id', '=', projectId).where('id', '=', id).execute();
      live.delete(projectId);
    },

    /** What inhibits this event of issue `issueId` now: the firing issues, and the rules through which. */
    inhibition,

    /** Ids of the issues whose firing inhibits this event of issue `issueId` now (see `inhibition`). */
    async inhibiting(projectId: string, issueId: string, event: HeraldEvent): Promise<readonly string[]> {
      return (await inhibition(projectId, issueId, event)).sources;
    },

    /**
     * Counts one event muted by each of these rules (all that inhibited it), now; the counts reach the
     * API within a second (see muteCounts), or at {@link flushMuted}.
     */
    countMuted: muted.count,

    /** Writes the mute counts taken so far (the engine's stop does, so a clean stop loses none). */
    flushMuted: muted.flush,

    /**
     * Tells the cached sources that this event is now its issue's latest: an issue starts (or stops)
     * being a source at once in this process, without waiting for the next read. Nothing is read.
     */
    note(projectId: string, issueId: string, event: HeraldEvent): void {
      const rules = live.peek(projectId)?.value;
      if (rules && rules.length > 0) noteIn(rules, issueId, event);
    },

    /** The issue is no longer unresolved: it stops being a source at once in this process. */
    settled(projectId: string, issueId: string): void {
      for (const rule of live.peek(projectId)?.value ?? []) dropSource(rule, issueId);
    },
  };
}

/** The inhibit rule service. */
export type InhibitRules = ReturnType<typeof inhibitRules>;
