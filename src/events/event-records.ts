import type { Kysely } from 'kysely';
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

/**
 * Reads what an `evaluate-event` job needs: the event (by row id) and its issue as it stands now. Null
 * when either was deleted meanwhile.
 */
export async function loadEvaluation(
  db: Kysely<Database>,
  eventRowId: string,
): Promise<{ stored: StoredEvent; issue: IssueSnapshot; orgId: string } | null> {
  const row = await db.selectFrom('events').selectAll().where('id', '=', eventRowId).executeTakeFirst();
  if (!row) return null;
  const issue = await db.selectFrom('issues').selectAll().where('id', '=', row.issue_id).executeTakeFirst();
  if (!issue) return null;
  return { stored: storedEvent(row), issue: issueSnapshot(issue), orgId: issue.org_id };
}
