import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { IssueSnapshot } from '../events/event.js';
import { issueSnapshot, storedEvent } from '../events/event-records.js';
import type { Database, EventTable } from '../store/schema.js';
import type { RuleInput } from './condition.js';
import { memoryFrequency } from './memory-frequency.js';
import { previewRule } from './preview.js';
import { actionSchema, INTERVAL_MS, parseRuleInput, type RuleLogic, ruleBodySchema } from './rule-schema.js';

/** Days a preview looks back by default, and at most. */
export const PREVIEW_DAYS = { default: 14, max: 90 } as const;

/** An unsaved rule and how far back to replay it; name and actions may be left out, nothing is sent. */
export const previewBodySchema = ruleBodySchema.extend({
  name: ruleBodySchema.shape.name.optional(),
  actions: z.array(actionSchema).max(100).default([]),
  days: z.int().min(1).max(PREVIEW_DAYS.max).default(PREVIEW_DAYS.default),
});

/** One issue the rule would have fired on, and how often. */
export interface PreviewIssue {
  readonly issueId: string;
  readonly title: string;
  readonly fired: number;
}

/** What a rule would have done over past events. */
export interface RulePreview {
  /** Most firings first. */
  readonly data: PreviewIssue[];
  readonly totalFired: number;
  /** Events of the period replayed through the rule (not those read only to fill frequency windows). */
  readonly eventsScanned: number;
}

const PAGE = 1000;
const DAY = 86_400_000;

/**
 * Replays a project's stored events through an unsaved rule. Each event is evaluated at the moment it was
 * received, against counts of the events received before it. What the store no longer knows is
 * approximated: an issue counts as unresolved at each of its events (ignored if it is ignored now), so
 * regressions and reappearances cannot be told apart from other events, and the latest release is the
 * release first seen last.
 */
export function rulePreview(deps: { readonly db: Kysely<Database>; readonly clock: Clock }) {
  const { db, clock } = deps;

  async function* eventsFrom(projectId: string, from: number, to: number): AsyncGenerator<EventTable> {
    let after: { readonly at: number; readonly id: string } | null = null;
    for (;;) {
      const cursor = after;
      const rows: EventTable[] = await db
        .selectFrom('events')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('received_at', '>=', from)
        .where('received_at', '<', to)
        .$if(cursor !== null, (q) =>
          q.where((eb) =>
            eb.or([
              eb('received_at', '>', cursor!.at),
              eb.and([eb('received_at', '=', cursor!.at), eb('id', '>', cursor!.id)]),
            ]),
          ),
        )
        .orderBy('received_at')
        .orderBy('id')
        .limit(PAGE)
        .execute();
      yield* rows;
      const last = rows.at(-1);
      if (rows.length < PAGE || last === undefined) return;
      after = { at: last.received_at, id: last.id };
    }
  }

  return {
    /** Validates the body (400 naming every bad field) and replays the last `days` days. */
    async preview(projectId: string, input: unknown): Promise<RulePreview> {
      const rule = parseRuleInput(previewBodySchema, input);
      const now = clock.now();
      const from = now - rule.days * DAY;
      const start = from - lookback(rule);

      const inPeriod = db
        .selectFrom('events')
        .select('issue_id')
        .where('project_id', '=', projectId)
        .where('received_at', '>=', from)
        .where('received_at', '<', now);
      const [issueRows, periodCounts, environments] = await Promise.all([
        db.selectFrom('issues').selectAll().where('id', 'in', inPeriod).execute(),
        db
          .selectFrom('events')
          .select(['issue_id', (eb) => eb.fn.countAll<number>().as('count')])
          .where('project_id', '=', projectId)
          .where('received_at', '>=', from)
          .where('received_at', '<', now)
          .groupBy('issue_id')
          .execute(),
        db.selectFrom('issue_environments').selectAll().where('issue_id', 'in', inPeriod).execute(),
      ]);
      const issues = new Map(issueRows.map((row) => [row.id, row]));
      // Events of the period not replayed yet, per issue: times seen at an event is the total minus these.
      const remaining = new Map(periodCounts.map((r) => [r.issue_id, Number(r.count)]));
      const envFirstSeen = new Map(
        environments.map((r) => [`${r.issue_id}\u0000${r.environment}`, r.first_seen]),
      );

      const frequency = memoryFrequency();
      const releases = new Set<string>();
      let latestRelease: string | null = null;
      const seenInEnvironment = new Set<string>();
      const timeline: RuleInput[] = [];
      for await (const row of eventsFrom(projectId, start, now)) {
        const inScope = rule.environment === null || row.environment === rule.environment;
        if (row.release !== null && inScope && !releases.has(row.release)) {
          releases.add(row.release);
          latestRelease = row.release;
        }
        const issue = issues.get(row.issue_id);
        if (issue === undefined) continue;
        const { event } = storedEvent(row);
        frequency.record(row.issue_id, event, row.received_at);
        if (row.received_at < from) continue;

        const left = remaining.get(row.issue_id) ?? 1;
        remaining.set(row.issue_id, left - 1);
        const timesSeen = Math.max(1, issue.times_seen - (left - 1));
        const envKey = `${row.issue_id}\u0000${event.environment ?? ''}`;
        const firstInEnvironment =
          !seenInEnvironment.has(envKey) && envFirstSeen.get(envKey) === row.received_at;
        seenInEnvironment.add(envKey);
        const snapshot: IssueSnapshot = {
          ...issueSnapshot(issue),
          status: issue.status === 'ignored' ? 'ignored' : 'unresolved',
          lastSeen: event.timestamp,
          timesSeen,
        };
        timeline.push({
          event,
          issue: snapshot,
          outcome: {
            isNew: timesSeen === 1,
            isRegression: false,
            isReappeared: false,
            isNewInEnvironment: firstInEnvironment,
          },
          now: row.received_at,
          latestRelease,
          frequency,
        });
      }

      const fired = await previewRule(rule, timeline);
      const data = [...fired]
        .map(([issueId, count]) => ({ issueId, title: issues.get(issueId)?.title ?? '', fired: count }))
        .sort((a, b) => b.fired - a.fired || (a.issueId < b.issueId ? -1 : 1));
      return { data, totalFired: data.reduce((sum, d) => sum + d.fired, 0), eventsScanned: timeline.length };
    },
  };
}

/** The rule-preview service. */
export type RulePreviewService = ReturnType<typeof rulePreview>;

/** How far before the period frequency conditions look, so counts at its start are not short. */
function lookback(rule: RuleLogic): number {
  let longest = 0;
  for (const condition of rule.conditions) {
    if (condition.id !== 'event_frequency' && condition.id !== 'event_unique_user_frequency') continue;
    const comparison =
      condition.comparisonType === 'percent' && condition.comparisonInterval
        ? INTERVAL_MS[condition.comparisonInterval]
        : 0;
    longest = Math.max(longest, INTERVAL_MS[condition.interval] + comparison);
  }
  return longest;
}
