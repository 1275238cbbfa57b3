import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import { enqueueJobs, type JobInput } from '../queue/queue.js';
import type { Database, IssueTable } from '../store/schema.js';
import { type Dialect, isUniqueViolation } from '../store/store.js';
import type { HeraldEvent, IngestOutcome, IssueStatus } from './event.js';
import type { EventPayload } from './event-schema.js';
import { recordFrequency } from './frequency-store.js';
import { groupCommit } from './group-commit.js';
import { type Grouping, groupEvent } from './grouping.js';
import { initialPriority, statusAfterEvent } from './issue-state.js';
import { normalizeEvent, userKey } from './normalize.js';

/** What ingest needs. */
export interface IngestDeps {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  readonly clock: Clock;
  /** Called with the ids of jobs once the transaction that wrote them committed (wakes the workers). */
  readonly onJobsCommitted?: (jobIds: string[]) => void;
}

/** The project an event is ingested into. */
export interface IngestTarget {
  readonly orgId: string;
  readonly projectId: string;
}

/** What ingesting one event did. */
export interface IngestResult {
  /** The event's id (the sender's `event_id`, or the generated one). */
  readonly eventId: string;
  readonly issueId: string;
  readonly isNew: boolean;
  readonly isRegression: boolean;
  readonly outcome: IngestOutcome;
  /** The evaluation job written with the event; empty for a repeated event_id. */
  readonly jobIds: string[];
}

/** Thrown inside the transaction when an event_id turns out to be stored already, to roll back. */
class DuplicateEvent extends Error {}

const NOTHING: IngestOutcome = {
  isNew: false,
  isRegression: false,
  isReappeared: false,
  isNewInEnvironment: false,
};
const RETRIES = 3;

/**
 * Event ingest. Each call is one transaction: dedupe by (project, event_id), find or create the issue by
 * fingerprint, run the status machine, count the event (times and users seen, frequency buckets,
 * first-seen environment), store it and write its `evaluate-event` job. users_seen is exact, through one
 * row per distinct user and issue.
 */
export function ingestService(deps: IngestDeps) {
  const { db, clock } = deps;
  const postgres = deps.dialect === 'postgres';

  interface Prepared {
    readonly target: IngestTarget;
    readonly event: HeraldEvent;
    readonly grouping: Grouping;
    readonly rowId: string;
  }

  /** Ingests entries in one transaction; a repeated event_id (stored, or earlier in `entries`) is answered like its first. */
  async function run(
    entries: readonly { target: IngestTarget; payload: EventPayload }[],
  ): Promise<IngestResult[]> {
    const receivedAt = clock.now();
    const prepared: Prepared[] = entries.map(({ target, payload }) => {
      const event = normalizeEvent(payload, receivedAt);
      return { target, event, grouping: groupEvent(event), rowId: newId('evt', receivedAt) };
    });
    // Stored duplicates are rare: look them up only after an insert found one (the transaction is redone).
    let precheck = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await db.transaction().execute(async (trx) => {
          const known = precheck ? await storedEvents(trx, prepared) : new Map<string, string>();
          const out: IngestResult[] = [];
          const jobs: JobInput[] = [];
          for (const item of prepared) {
            const key = eventKey(item.target.projectId, item.event.eventId);
            const seen = known.get(key);
            if (seen) {
              out.push(repeated(item.event.eventId, seen));
              continue;
            }
            const { result, job } = await ingestOne(trx, item, receivedAt);
            known.set(key, result.issueId);
            out.push(result);
            jobs.push(job);
          }
          await enqueueJobs(trx, jobs, receivedAt);
          return out;
        });
        const jobIds = results.flatMap((r) => r.jobIds);
        if (jobIds.length > 0) deps.onJobsCommitted?.(jobIds);
        return results;
      } catch (error) {
        if (attempt >= RETRIES || !(error instanceof DuplicateEvent || retryable(error))) throw error;
        precheck = true;
      }
    }
  }

  const group = groupCommit(run);

  async function ingestOne(
    trx: Transaction<Database>,
    item: Prepared,
    now: number,
  ): Promise<{ result: IngestResult; job: JobInput }> {
    const { target, event, grouping, rowId } = item;
    const identity = userKey(event.user);
    const userHash = identity === null ? null : hash(identity);

    let issue = await findIssue(trx, target.projectId, grouping.fingerprint);
    let isNew = false;
    if (!issue) {
      const row = newIssue(target, grouping, event, rowId, userHash !== null, now);
      const created = await trx
        .insertInto('issues')
        .values(row)
        .onConflict((oc) => oc.columns(['project_id', 'fingerprint']).doNothing())
        .returning('id')
        .executeTakeFirst();
      // Losing the race to a concurrent first event means the issue exists now: join it.
      issue = created ? row : await findIssue(trx, target.projectId, grouping.fingerprint);
      isNew = created !== undefined;
      if (!issue) throw new Error('issue vanished while ingesting');
    }

    const stored = await trx
      .insertInto('events')
      .values({
        id: rowId,
        project_id: target.projectId,
        issue_id: issue.id,
        event_id: event.eventId,
        timestamp: event.timestamp,
        received_at: now,
        environment: event.environment,
        release: event.release,
        level: event.level,
        payload: JSON.stringify(event.raw),
      })
      .onConflict((oc) => oc.columns(['project_id', 'event_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!stored) throw new DuplicateEvent();

    const newUser =
      userHash !== null &&
      (await trx
        .insertInto('issue_users')
        .values({ issue_id: issue.id, user_hash: userHash })
        .onConflict((oc) => oc.doNothing())
        .returning('issue_id')
        .executeTakeFirst()) !== undefined;
    const isNewInEnvironment =
      (await trx
        .insertInto('issue_environments')
        .values({ issue_id: issue.id, environment: event.environment ?? '', first_seen: now })
        .onConflict((oc) => oc.doNothing())
        .returning('issue_id')
        .executeTakeFirst()) !== undefined;

    let transition = { isRegression: false, isReappeared: false };
    if (!isNew) {
      const timesSeen = issue.times_seen + 1;
      const usersSeen = issue.users_seen + (newUser ? 1 : 0);
      const next = statusAfterEvent(
        {
          status: issue.status as IssueStatus,
          ignoreUntil: issue.ignore_until,
          ignoreCount: issue.ignore_count,
          ignoreTimesSeen: issue.ignore_times_seen,
          ignoreUserCount: issue.ignore_user_count,
          ignoreUsersSeen: issue.ignore_users_seen,
        },
        { now, timesSeen, usersSeen },
      );
      transition = next;
      await trx
        .updateTable('issues')
        .set({
          times_seen: timesSeen,
          users_seen: usersSeen,
          last_seen: Math.max(issue.last_seen, event.timestamp),
          level: event.level,
          title: grouping.title,
          culprit: grouping.culprit,
          last_event_id: rowId,
          status: next.status,
          updated_at: now,
          ...(next.reset ? CLEARED_STATE : {}),
        })
        .where('id', '=', issue.id)
        .execute();
    }
    await recordFrequency(trx, issue.id, now, userHash);

    const outcome: IngestOutcome = { isNew, ...transition, isNewInEnvironment };
    const jobId = `evaluate:${rowId}`;
    return {
      result: {
        eventId: event.eventId,
        issueId: issue.id,
        isNew,
        isRegression: outcome.isRegression,
        outcome,
        jobIds: [jobId],
      },
      job: {
        id: jobId,
        kind: 'evaluate-event',
        payload: { eventId: rowId, projectId: target.projectId, issueId: issue.id, ...outcome },
      },
    };
  }

  function findIssue(trx: Transaction<Database>, projectId: string, fingerprint: string) {
    return trx
      .selectFrom('issues')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('fingerprint', '=', fingerprint)
      .$if(postgres, (q) => q.forUpdate())
      .executeTakeFirst();
  }

  return {
    /**
     * Ingests one validated payload into a project. Events arriving together share one transaction
     * (group commit; see {@link groupCommit}), each answered on its own.
     */
    ingest(target: IngestTarget, payload: EventPayload): Promise<IngestResult> {
      return group({ target, payload });
    },

    /** Ingests several payloads in one transaction: all are stored or none. */
    ingestBatch(target: IngestTarget, payloads: readonly EventPayload[]): Promise<IngestResult[]> {
      return payloads.length === 0
        ? Promise.resolve([])
        : run(payloads.map((payload) => ({ target, payload })));
    },
  };
}

/** The ingest service. */
export type IngestService = ReturnType<typeof ingestService>;

const CLEARED_STATE = {
  resolved_at: null,
  ignore_until: null,
  ignore_count: null,
  ignore_times_seen: null,
  ignore_user_count: null,
  ignore_users_seen: null,
} as const;

function newIssue(
  target: IngestTarget,
  grouping: Grouping,
  event: HeraldEvent,
  eventRowId: string,
  hasUser: boolean,
  now: number,
): IssueTable {
  return {
    id: newId('iss', now),
    org_id: target.orgId,
    project_id: target.projectId,
    fingerprint: grouping.fingerprint,
    title: grouping.title,
    culprit: grouping.culprit,
    level: event.level,
    category: grouping.category,
    status: 'unresolved',
    ...CLEARED_STATE,
    first_seen: event.timestamp,
    last_seen: event.timestamp,
    times_seen: 1,
    users_seen: hasUser ? 1 : 0,
    assignee_type: null,
    assignee_id: null,
    priority: initialPriority(event.level),
    last_event_id: eventRowId,
    updated_at: now,
  };
}

/** Issue ids of the events of `items` already stored, by {@link eventKey}. */
async function storedEvents(
  trx: Transaction<Database>,
  items: readonly { target: IngestTarget; event: HeraldEvent }[],
): Promise<Map<string, string>> {
  const byProject = new Map<string, Set<string>>();
  for (const { target, event } of items) {
    const ids = byProject.get(target.projectId) ?? new Set<string>();
    ids.add(event.eventId);
    byProject.set(target.projectId, ids);
  }
  const known = new Map<string, string>();
  for (const [projectId, set] of byProject) {
    const ids = [...set];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await trx
        .selectFrom('events')
        .select(['event_id', 'issue_id'])
        .where('project_id', '=', projectId)
        .where('event_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const row of rows) known.set(eventKey(projectId, row.event_id), row.issue_id);
    }
  }
  return known;
}

function eventKey(projectId: string, eventId: string): string {
  return `${projectId} ${eventId}`;
}

function repeated(eventId: string, issueId: string): IngestResult {
  return { eventId, issueId, isNew: false, isRegression: false, outcome: NOTHING, jobIds: [] };
}

/** Races PostgreSQL resolves by aborting one side: a deadlock or a unique key taken meanwhile. */
function retryable(error: unknown): boolean {
  if (isUniqueViolation(error)) return true;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return code === '40P01' || code === '40001';
}

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}
