import type { Kysely } from 'kysely';
import { preparedRows } from '../store/prepared-rows.js';
import type {
  Database,
  EventTable,
  IssueEnvironmentTable,
  IssueTable,
  IssueUserTable,
} from '../store/schema.js';

// Written as records so the compiler proves every column is listed (a missing one would not be inserted).
const ISSUE_COLUMNS = Object.keys({
  id: 1,
  org_id: 1,
  project_id: 1,
  fingerprint: 1,
  title: 1,
  culprit: 1,
  level: 1,
  category: 1,
  status: 1,
  ignore_until: 1,
  ignore_count: 1,
  ignore_times_seen: 1,
  ignore_user_count: 1,
  ignore_users_seen: 1,
  resolved_at: 1,
  first_seen: 1,
  last_seen: 1,
  times_seen: 1,
  users_seen: 1,
  assignee_type: 1,
  assignee_id: 1,
  priority: 1,
  last_event_id: 1,
  updated_at: 1,
} satisfies Record<keyof IssueTable, 1>) as (keyof IssueTable)[];

const EVENT_COLUMNS = Object.keys({
  id: 1,
  project_id: 1,
  issue_id: 1,
  event_id: 1,
  timestamp: 1,
  received_at: 1,
  environment: 1,
  release: 1,
  level: 1,
  payload: 1,
} satisfies Record<keyof EventTable, 1>) as (keyof EventTable)[];

/** An issue of a project by fingerprint. */
export interface IssueKey {
  readonly project_id: string;
  readonly fingerprint: string;
}

/**
 * The statements of one ingest transaction, each over all events of the group at once. Compiled once per
 * row count (see {@link preparedRows}), so running one costs binding and SQLite (or PostgreSQL) alone.
 */
export function ingestStatements(db: Kysely<Database>, postgres: boolean) {
  return {
    /**
     * Issues of one project (every row has the same project_id) by fingerprint. On PostgreSQL they are
     * locked, in fingerprint order so that concurrent transactions queue rather than deadlock.
     */
    findIssues: preparedRows<IssueKey, IssueTable>(['project_id', 'fingerprint'], (rows) =>
      db
        .selectFrom('issues')
        .selectAll()
        .where('project_id', '=', rows[0]!.project_id)
        .where(
          'fingerprint',
          'in',
          rows.map((r) => r.fingerprint),
        )
        .orderBy('fingerprint')
        .$if(postgres, (q) => q.forUpdate()),
    ),

    /** Creates issues; answers the ids of those created (an existing fingerprint is left alone). */
    createIssues: preparedRows<IssueTable, { id: string }>(ISSUE_COLUMNS, (rows) =>
      db
        .insertInto('issues')
        .values(rows)
        .onConflict((oc) => oc.columns(['project_id', 'fingerprint']).doNothing())
        .returning('id'),
    ),

    /**
     * Writes what ingest changes on issues that exist (read in this transaction): an upsert on the id,
     * which is how one statement updates many rows with different values on both databases.
     */
    updateIssues: preparedRows<IssueTable>(ISSUE_COLUMNS, (rows) =>
      db
        .insertInto('issues')
        .values(rows)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            times_seen: eb.ref('excluded.times_seen'),
            users_seen: eb.ref('excluded.users_seen'),
            last_seen: eb.ref('excluded.last_seen'),
            level: eb.ref('excluded.level'),
            title: eb.ref('excluded.title'),
            culprit: eb.ref('excluded.culprit'),
            last_event_id: eb.ref('excluded.last_event_id'),
            status: eb.ref('excluded.status'),
            updated_at: eb.ref('excluded.updated_at'),
            resolved_at: eb.ref('excluded.resolved_at'),
            ignore_until: eb.ref('excluded.ignore_until'),
            ignore_count: eb.ref('excluded.ignore_count'),
            ignore_times_seen: eb.ref('excluded.ignore_times_seen'),
            ignore_user_count: eb.ref('excluded.ignore_user_count'),
            ignore_users_seen: eb.ref('excluded.ignore_users_seen'),
          })),
        ),
    ),

    /** Stores events; answers the ids of those stored (a known event_id is not stored again). */
    insertEvents: preparedRows<EventTable, { id: string }>(EVENT_COLUMNS, (rows) =>
      db
        .insertInto('events')
        .values(rows)
        .onConflict((oc) => oc.columns(['project_id', 'event_id']).doNothing())
        .returning('id'),
    ),

    /** Records distinct users of issues; answers the pairs that are new. */
    addUsers: preparedRows<IssueUserTable, IssueUserTable>(['issue_id', 'user_hash'], (rows) =>
      db
        .insertInto('issue_users')
        .values(rows)
        .onConflict((oc) => oc.doNothing())
        .returning(['issue_id', 'user_hash']),
    ),

    /** Records the environments issues were seen in; answers the pairs seen for the first time. */
    addEnvironments: preparedRows<IssueEnvironmentTable, { issue_id: string; environment: string }>(
      ['issue_id', 'environment', 'first_seen'],
      (rows) =>
        db
          .insertInto('issue_environments')
          .values(rows)
          .onConflict((oc) => oc.doNothing())
          .returning(['issue_id', 'environment']),
    ),
  };
}

/** The statements of {@link ingestStatements}. */
export type IngestStatements = ReturnType<typeof ingestStatements>;
