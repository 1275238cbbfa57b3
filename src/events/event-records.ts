import type { Kysely } from 'kysely';
import { preparedStatement } from '../store/prepared-query.js';
import type { Database, EventTable, IssueTable } from '../store/schema.js';
import type { HeraldEvent, IssueCategory, IssueSnapshot, IssueStatus, Level } from './event.js';
import type { EventPayload } from './event-schema.js';
import { normalizeEvent } from './normalize.js';

/** A stored event, read back: the normalized event plus where it went. */
export interface StoredEvent {
  /** Row id (what `evaluate-event` jobs carry). */
  readonly id: string;
  readonly projectId: string;
  readonly issueId: string;
  readonly receivedAt: number;
  readonly event: HeraldEvent;
}

/** Re-normalizes a stored row; the payload was validated on the way in and kept with its event_id. */
export function storedEvent(row: EventTable): StoredEvent {
  const payload = JSON.parse(row.payload) as EventPayload;
  return {
    id: row.id,
    projectId: row.project_id,
    issueId: row.issue_id,
    receivedAt: row.received_at,
    event: normalizeEvent(payload, row.received_at),
  };
}

/** The issue as rules see it. */
export function issueSnapshot(row: IssueTable): IssueSnapshot {
  return {
    id: row.id,
    projectId: row.project_id,
    status: row.status as IssueStatus,
    title: row.title,
    level: row.level as Level,
    category: row.category as IssueCategory,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    timesSeen: row.times_seen,
    assignee:
      row.assignee_type && row.assignee_id
        ? { type: row.assignee_type as 'user' | 'team', id: row.assignee_id }
        : null,
  };
}

/** Stored events read back, by row id. */
export interface StoredEvents {
  /** The event, or null when it is not stored (deleted meanwhile). */
  load(eventRowId: string): Promise<StoredEvent | null>;
  /**
   * Keeps an event this process just stored (its transaction committed), so that its evaluation, which
   * follows within moments, does not read it back.
   */
  keep(stored: StoredEvent): void;
}

// Every evaluation reads its event and issue: compiled once (see store/prepared-query.ts).
const selectEvent = preparedStatement<Database, { id: string }, EventTable>(['id'], (db, p) =>
  db.selectFrom('events').selectAll().where('id', '=', p.id),
);
const selectIssue = preparedStatement<Database, { id: string }, IssueTable>(['id'], (db, p) =>
  db.selectFrom('issues').selectAll().where('id', '=', p.id),
);

/** Events kept read back: a firing reads its event at evaluation and again at fan-out. */
const KEPT_EVENTS = 2_000;

/**
 * Reads stored events, keeping the most recent ones parsed: an event never changes once stored, and
 * reading one back (the row, its JSON, normalizing it again) is a good part of what evaluating it costs.
 */
export function storedEvents(db: Kysely<Database>): StoredEvents {
  const kept = new Map<string, StoredEvent>();
  const keep = (stored: StoredEvent) => {
    if (kept.size >= KEPT_EVENTS) kept.delete(kept.keys().next().value as string);
    kept.set(stored.id, stored);
  };
  return {
    async load(eventRowId) {
      const known = kept.get(eventRowId);
      if (known) return known;
      const row = (await selectEvent(db, { id: eventRowId })).rows[0];
      if (!row) return null;
      const stored = storedEvent(row);
      keep(stored);
      return stored;
    },
    keep,
  };
}

/**
 * Reads what an `evaluate-event` job needs: the event (by row id) and its issue as it stands now (also
 * as stored). Null when either was deleted meanwhile.
 */
export async function loadEvaluation(
  db: Kysely<Database>,
  events: StoredEvents,
  eventRowId: string,
): Promise<{ stored: StoredEvent; issue: IssueSnapshot; issueRow: IssueTable; orgId: string } | null> {
  const stored = await events.load(eventRowId);
  if (!stored) return null;
  const issue = (await selectIssue(db, { id: stored.issueId })).rows[0];
  if (!issue) return null;
  return { stored, issue: issueSnapshot(issue), issueRow: issue, orgId: issue.org_id };
}
