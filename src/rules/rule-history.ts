import type { Kysely } from 'kysely';
import type { Database, RuleTable } from '../store/schema.js';

/** How far back a rule's history looks by default, and at most (notifications are kept 30 days by default). */
export const HISTORY_DAYS = { default: 7, max: 90 } as const;

/** What a rule did for one issue over the period. */
export interface RuleIssueHistory {
  readonly issueId: string;
  readonly title: string;
  readonly status: string;
  /** Notifications the rule raised for the issue over the period. */
  readonly count: number;
  readonly lastTriggered: string;
  /**
   * Until when the rule stays quiet about this issue, its action interval (`frequency`) counted from its
   * last firing; null when it may fire again at the next matching event.
   */
  readonly quietUntil: string | null;
}

/** A rule's history: the issues it fired for, most recent first. */
export interface RuleHistory {
  readonly start: string;
  readonly end: string;
  readonly data: RuleIssueHistory[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The issues a rule fired for over the last `days` (Sentry's rule "group history"), each with how often
 * and when last, and whether the rule's action interval keeps it quiet about the issue now. It answers
 * "why did no alert come for this event?" when the answer is the rule itself: it fired for the issue at
 * 10:02 and stays quiet until 10:32. Read from the notifications the rule raised (`notification_rules`,
 * by rule) and the interval's state (`rule_fire_state`, by rule and issue): both kept by the pipeline.
 */
export async function ruleHistory(
  db: Kysely<Database>,
  rule: Pick<RuleTable, 'id' | 'frequency'>,
  days: number,
  now: number,
): Promise<RuleHistory> {
  const start = now - days * 86_400_000;
  const fired = await db
    .selectFrom('notification_rules')
    .innerJoin('notifications', 'notifications.id', 'notification_rules.notification_id')
    .innerJoin('issues', 'issues.id', 'notifications.issue_id')
    .where('notification_rules.rule_id', '=', rule.id)
    .where('notifications.created_at', '>=', start)
    .select((eb) => [
      'issues.id as issueId',
      'issues.title',
      'issues.status',
      eb.fn.countAll<string>().as('count'),
      eb.fn.max('notifications.created_at').as('last'),
    ])
    .groupBy(['issues.id', 'issues.title', 'issues.status'])
    .orderBy('last', 'desc')
    .limit(100)
    .execute();
  const lastFired = new Map<string, number>();
  if (fired.length > 0) {
    const states = await db
      .selectFrom('rule_fire_state')
      .select(['issue_id', 'last_fired'])
      .where('rule_id', '=', rule.id)
      .where(
        'issue_id',
        'in',
        fired.map((f) => f.issueId),
      )
      .execute();
    for (const s of states) lastFired.set(s.issue_id, Number(s.last_fired));
  }
  return {
    start: iso(start),
    end: iso(now),
    data: fired.map((f) => {
      const last = lastFired.get(f.issueId);
      const quiet = last === undefined ? null : last + rule.frequency * 60_000;
      return {
        issueId: f.issueId,
        title: f.title,
        status: f.status,
        count: Number(f.count),
        lastTriggered: iso(Number(f.last)),
        quietUntil: quiet !== null && quiet > now ? iso(quiet) : null,
      };
    }),
  };
}
