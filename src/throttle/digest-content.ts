import { ISSUE_CATEGORIES, LEVELS } from '../events/event.js';
import type { DigestPayload } from '../notifications/types/digest.js';
import { parseJsonObject } from '../store/json.js';
import type { IssueTable } from '../store/schema.js';

/** One held delivery with the notification it held: an alert, or one about no issue (a deploy). */
export interface DigestRecord {
  readonly deliveryId: string;
  readonly notificationId: string;
  readonly type: string;
  readonly issueId: string | null;
  readonly eventId: string | null;
  /** The notification's payload (JSON). */
  readonly payload: string;
  readonly createdAt: number;
}

/** A held notification about no issue as the recipient reads it (see digestOtherSchema). */
export interface OtherSummary {
  readonly title: string;
  readonly url: string;
}

/** What a closed digest sends: nothing, the one issue's latest alert, or a digest notification. */
export type DigestContent =
  | { readonly kind: 'empty' }
  | { readonly kind: 'single'; readonly record: DigestRecord }
  | { readonly kind: 'digest'; readonly payload: DigestPayload };

interface RuleRef {
  readonly id: string;
  readonly name: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const oneOf = <T extends string>(values: readonly T[], value: string, fallback: T): T =>
  (values as readonly string[]).includes(value) ? (value as T) : fallback;

/**
 * Builds a digest from its records: per issue, the events the records stand for (each alert names one
 * event), the issue as it is now, resolved and ignored issues left out; rules ordered by how many events
 * they account for, issues by event count; then the notifications about no issue, oldest first, by the
 * titles `summaries` gives each delivery. One issue or one other notification left is sent as itself
 * (an issue's latest alert), as Sentry does.
 */
export function digestContent(
  records: readonly DigestRecord[],
  issues: readonly IssueTable[],
  usersByIssue: ReadonlyMap<string, number>,
  summaries: ReadonlyMap<string, OtherSummary> = new Map(),
): DigestContent {
  const live = new Map(issues.filter((i) => i.status === 'unresolved').map((i) => [i.id, i]));
  const byIssue = new Map<string, DigestRecord[]>();
  const others: DigestRecord[] = [];
  for (const r of records) {
    if (r.issueId === null) others.push(r);
    else if (live.has(r.issueId)) byIssue.set(r.issueId, [...(byIssue.get(r.issueId) ?? []), r]);
  }
  if (byIssue.size + others.length === 0) return { kind: 'empty' };
  if (byIssue.size + others.length === 1)
    return { kind: 'single', record: others[0] ?? [...byIssue.values()][0]!.at(-1)! };

  const rules = new Map<string, { rule: RuleRef; events: number }>();
  let organization: DigestPayload['organization'] | undefined;
  let project: DigestPayload['project'] | undefined;
  const entries: DigestPayload['issues'] = [];
  for (const [issueId, held] of byIssue) {
    const issue = live.get(issueId)!;
    const latest = parseJsonObject(held.at(-1)!.payload);
    organization ??= latest.organization as DigestPayload['organization'];
    project ??= latest.project as DigestPayload['project'];
    const count = new Set(held.map((r) => r.eventId ?? r.notificationId)).size;
    for (const r of held) {
      for (const rule of (parseJsonObject(r.payload).rules as RuleRef[] | undefined) ?? []) {
        const entry = rules.get(rule.id) ?? { rule: { id: rule.id, name: rule.name }, events: 0 };
        entry.events++;
        rules.set(rule.id, entry);
      }
    }
    const shown = (latest.issue ?? {}) as { url?: string; apiUrl?: string };
    entries.push({
      id: issue.id,
      title: issue.title,
      culprit: issue.culprit,
      level: oneOf(LEVELS, issue.level, 'error'),
      status: 'unresolved',
      category: oneOf(ISSUE_CATEGORIES, issue.category, 'error'),
      firstSeen: iso(Number(issue.first_seen)),
      lastSeen: iso(Number(issue.last_seen)),
      timesSeen: Number(issue.times_seen),
      usersSeen: Number(issue.users_seen),
      url: shown.url ?? '',
      ...(shown.apiUrl === undefined ? {} : { apiUrl: shown.apiUrl }),
      count,
      userCount: usersByIssue.get(issue.id) ?? 0,
    });
  }
  entries.sort((a, b) => b.count - a.count);
  if (!organization || !project) {
    // Only notifications about no issue: they name the organization and project as alerts do.
    const first = parseJsonObject(others[0]!.payload);
    organization = first.organization as DigestPayload['organization'];
    project = first.project as DigestPayload['project'];
  }
  const listed = others.slice(0, 1000).map((r) => {
    const summary = summaries.get(r.deliveryId);
    return {
      id: r.notificationId,
      type: r.type,
      title: summary?.title ?? r.type,
      url: summary?.url ?? '',
      createdAt: iso(r.createdAt),
    };
  });
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const r of [...[...byIssue.values()].flat(), ...others]) {
    start = Math.min(start, r.createdAt);
    end = Math.max(end, r.createdAt);
  }
  return {
    kind: 'digest',
    payload: {
      organization: organization!,
      project: project!,
      rules: [...rules.values()]
        .sort((a, b) => b.events - a.events)
        .slice(0, 100)
        .map((r) => r.rule),
      issues: entries.slice(0, 1000),
      others: listed,
      start: iso(start),
      end: iso(end),
      totalEvents: entries.reduce((sum, e) => sum + e.count, 0),
    },
  };
}
