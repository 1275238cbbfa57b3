import type { Kysely } from 'kysely';
import { type Clock, systemClock } from '../clock.js';
import { type Executor, preparedRows } from '../store/prepared-rows.js';
import type { Database, EventTable, IssueTable } from '../store/schema.js';
import { turnBatch } from '../store/turn-batch.js';
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

/** An issue's latest event as the pipeline reads it; null when it has none (or no such issue). */
export async function latestStoredEvent(db: Kysely<Database>, issueId: string): Promise<StoredEvent | null> {
  const row = await db
    .selectFrom('issues')
    .innerJoin('events', 'events.id', 'issues.last_event_id')
    .selectAll('events')
    .where('issues.id', '=', issueId)
    .executeTakeFirst();
  return row ? storedEvent(row) : null;
}

/** The columns of an issue that its evaluation and its notification read. */
const EVALUATED_ISSUE_COLUMNS = [
  'id',
  'org_id',
  'project_id',
  'title',
  'culprit',
  'level',
  'category',
  'status',
  'first_seen',
  'last_seen',
  'times_seen',
  'users_seen',
  'assignee_type',
  'assignee_id',
  'priority',
] as const satisfies readonly (keyof IssueTable)[];

/** An issue as its evaluation reads it. */
export type EvaluatedIssue = Pick<IssueTable, (typeof EVALUATED_ISSUE_COLUMNS)[number]>;

/** The issue as rules see it. */
export function issueSnapshot(row: EvaluatedIssue): IssueSnapshot {
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
    priority: row.priority,
  };
}

/** Stored events read back, by row id. */
export interface StoredEvents {
  /** The event, or null when it is not stored (deleted meanwhile). */
  load(eventRowId: string): Promise<StoredEvent | null>;
  /**
   * Keeps an event this process just stored (its transaction committed), so that its evaluation, which
   * follows within moments, does not read it back. `bytes` is the size of its stored JSON.
   */
  keep(stored: StoredEvent, bytes: number): void;
  /** The event's evaluation ended (its fan-out planned with it): it is not kept any longer. */
  forget(eventRowId: string): void;
}

// Every evaluation reads its event and issue: compiled once per row count (see store/prepared-rows.ts).
const selectEvents = preparedRows<{ id: string }, EventTable>(['id'], (rows, db) =>
  db
    .selectFrom('events')
    .selectAll()
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    ),
);
// Only the columns read: a row's object costs about a quarter of a microsecond a column to build.
const selectIssues = preparedRows<{ id: string }, EvaluatedIssue>(['id'], (rows, db) =>
  db
    .selectFrom('issues')
    .select(EVALUATED_ISSUE_COLUMNS)
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    ),
);

/** Reads issues as evaluations see them; an issue is undefined when it was deleted. */
export type EvaluatedIssues = (id: string) => Promise<EvaluatedIssue | undefined>;

/**
 * {@link EvaluatedIssues} reading the issues asked for in one turn with one statement: the evaluations of
 * one ingest request start together (an Alertmanager post of 100 alerts, each its own issue).
 */
export function evaluatedIssues(db: Kysely<Database>): EvaluatedIssues {
  return rowsByIdInTurn(db, selectIssues);
}

/** Reads rows by id with `select`, the ids asked for in one turn (see turnBatch) with one statement. */
function rowsByIdInTurn<R extends { readonly id: string }>(
  db: Kysely<Database>,
  select: (db: Executor, rows: readonly { id: string }[]) => Promise<R[]>,
): (id: string) => Promise<R | undefined> {
  return turnBatch(
    (id: string) => id,
    async (ids) =>
      new Map(
        (
          await select(
            db,
            ids.map((id) => ({ id })),
          )
        ).map((row) => [row.id, row]),
      ),
  );
}

/**
 * Bounds of the events kept for their evaluation: a count, the size of their stored JSON (the parsed form
 * weighs about six times as much: 2.7 KB for an event of 420 bytes, so these bounds keep at most some
 * 50 MB), and an age past which an event is taken as one no evaluation here will ask for (another worker
 * on the same SQLite file ran it).
 */
const KEPT_EVENTS = { count: 10_000, bytes: 8 * 1024 * 1024, ageMs: 60_000 } as const;

/**
 * Reads stored events, keeping the ones ingest just stored until their evaluation ended: an event never
 * changes once stored, and reading one back (the row, its JSON, normalizing it again) is a good part of
 * what evaluating it costs. When the bounds are reached, a new event is not kept (rather than the oldest
 * dropped): in a backlog the oldest are the next to be evaluated, so dropping them would make every
 * evaluation read its event back, where not keeping the newest makes only those read theirs.
 */
export function storedEvents(
  db: Kysely<Database>,
  clock: Clock = systemClock,
  bounds: { readonly count: number; readonly bytes: number; readonly ageMs: number } = KEPT_EVENTS,
): StoredEvents {
  const kept = new Map<string, { readonly stored: StoredEvent; readonly bytes: number }>();
  let bytes = 0;
  const drop = (id: string) => {
    const entry = kept.get(id);
    if (!entry) return;
    kept.delete(id);
    bytes -= entry.bytes;
  };
  const keep = (stored: StoredEvent, size: number) => {
    // Kept in the order they were stored: the oldest are first, and those too old are let go.
    const oldest = clock.now() - bounds.ageMs;
    for (const [id, entry] of kept) {
      if (entry.stored.receivedAt >= oldest) break;
      drop(id);
    }
    if (kept.size >= bounds.count || bytes + size > bounds.bytes) return;
    drop(stored.id);
    kept.set(stored.id, { stored, bytes: size });
    bytes += size;
  };
  // The evaluations a poll claimed start together: those whose events are not kept here (stored by
  // another process, or before a restart) read them with one statement.
  const read = rowsByIdInTurn(db, selectEvents);
  return {
    async load(eventRowId) {
      const known = kept.get(eventRowId);
      if (known) return known.stored;
      const row = await read(eventRowId);
      if (!row) return null;
      const stored = storedEvent(row);
      // Read back for an evaluation: its fan-out reads it again.
      keep(stored, row.payload.length);
      return stored;
    },
    keep,
    forget: drop,
  };
}

/**
 * Reads what an `evaluate-event` job needs: the event (by row id) and its issue as it stands now (also
 * as stored). Null when either was deleted meanwhile.
 */
export async function loadEvaluation(
  issues: EvaluatedIssues,
  events: StoredEvents,
  eventRowId: string,
): Promise<{ stored: StoredEvent; issue: IssueSnapshot; issueRow: EvaluatedIssue; orgId: string } | null> {
  const stored = await events.load(eventRowId);
  if (!stored) return null;
  const issue = await issues(stored.issueId);
  if (!issue) return null;
  return { stored, issue: issueSnapshot(issue), issueRow: issue, orgId: issue.org_id };
}
