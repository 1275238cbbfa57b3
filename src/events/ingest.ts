import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import { type JobHandoff, type JobInput, NO_SLOTS, writeJobs } from '../queue/queue.js';
import { sha256Hex } from '../security/sha256.js';
import { codePointOrder } from '../store/code-point-order.js';
import { abortedByRace } from '../store/races.js';
import type { Database, IssueTable } from '../store/schema.js';
import { type Dialect, isUniqueViolation } from '../store/store.js';
import { withoutAlertOrigin } from './alertmanager.js';
import type { HeraldEvent, IngestOutcome, IssueStatus } from './event.js';
import type { StoredEvent, StoredEvents } from './event-records.js';
import type { EventPayload } from './event-schema.js';
import { type FrequencyDelta, frequencyRecorder } from './frequency-store.js';
import { groupCommit } from './group-commit.js';
import { type Grouping, groupEvent } from './grouping.js';
import type { IngestGate, IngestRateLimit } from './ingest-limit.js';
import { ingestStatements } from './ingest-statements.js';
import { initialPriority, statusAfterEvent } from './issue-state.js';
import { normalizeEvent, userKey } from './normalize.js';
import { type StoredKeys, storedKeys } from './stored-keys.js';

/** What ingest needs. */
export interface IngestDeps {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  readonly clock: Clock;
  /** Called with the ids of jobs once the transaction that wrote them committed (wakes the workers). */
  readonly onJobsCommitted?: (jobIds: string[]) => void;
  /**
   * When given, the evaluations of stored events start in this worker's free slots once their
   * transaction committed, instead of waiting for a poll to find them (see JobHandoff.reserve).
   */
  readonly handoff?: JobHandoff;
  /** When given, told the events stored (after their commit): their evaluations here need not read them back. */
  readonly events?: Pick<StoredEvents, 'keep'>;
  /** When given, admits the events of a project with a limit before they are written (else all are). */
  readonly gate?: IngestGate;
}

/** The project an event is ingested into. */
export interface IngestTarget {
  readonly orgId: string;
  readonly projectId: string;
  /** The project's ingest limit; none when missing or null. */
  readonly rateLimit?: IngestRateLimit | undefined;
}

/**
 * What a caller writes in the transaction that ingests its events, told what each did (run again when
 * the transaction is: it must write the same whatever came before).
 */
export type Alongside = (trx: Transaction<Database>, results: readonly IngestResult[]) => Promise<void>;

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
const NO_TRANSITION = { isRegression: false, isReappeared: false } as const;
const RETRIES = 3;

/**
 * How many (issue, user) and (issue, environment) pairs a process remembers as stored. Most events repeat
 * an issue, a user and an environment seen moments before; their pairs' rows exist, and an insert of
 * them changes nothing. 20,000 of each weigh a few MB.
 */
const KNOWN_PAIRS = 20_000;

/** An event ready for the transaction: normalized, grouped, its row id and user hash chosen. */
interface Prepared {
  readonly target: IngestTarget;
  readonly event: HeraldEvent;
  readonly grouping: Grouping;
  readonly rowId: string;
  readonly userHash: string | null;
}

/** An event of the group that gets stored (not a repeat), and what the transaction learns about it. */
interface Fresh {
  readonly index: number;
  readonly item: Prepared;
  issue?: IssueTable;
  isNew: boolean;
  newUser: boolean;
  newInEnvironment: boolean;
}

/** An event stored by a group, as its evaluation would read it back, and the size of its stored JSON. */
interface KeptEvent {
  readonly stored: StoredEvent;
  readonly bytes: number;
}

/**
 * Event ingest. Each call is one transaction: dedupe by (project, event_id), find or create the issue by
 * fingerprint, run the status machine, count the event (times and users seen, frequency buckets,
 * first-seen environment), store it and write its `evaluate-event` job. users_seen is exact, through one
 * row per distinct user and issue. The events of a transaction are written together, a few multi-row
 * statements for the whole group; the answers are those of ingesting them one after the other.
 */
export function ingestService(deps: IngestDeps) {
  const { db, clock } = deps;
  const statements = ingestStatements(db, deps.dialect === 'postgres');
  const recordFrequencies = frequencyRecorder(db);
  // A group whose events all repeat known pairs writes no statement for them: with one environment and
  // returning users, two of the ten statements of a group on PostgreSQL, each a round trip (the user
  // buckets' statement is a third: see frequencyRecorder).
  const knownUsers = storedKeys(KNOWN_PAIRS);
  const knownEnvironments = storedKeys(KNOWN_PAIRS);

  /** Ingests entries in one transaction; a repeated event_id (stored, or earlier in `entries`) is answered like its first. */
  async function run(
    entries: readonly { target: IngestTarget; payload: EventPayload }[],
    alongside?: Alongside,
  ): Promise<IngestResult[]> {
    const receivedAt = clock.now();
    const prepared: Prepared[] = entries.map(({ target, payload }) => {
      const event = normalizeEvent(payload, receivedAt);
      const identity = userKey(event.user);
      return {
        target,
        event,
        grouping: groupEvent(event),
        rowId: newId('evt', receivedAt),
        userHash: identity === null ? null : hash(identity),
      };
    });
    // Stored duplicates are rare: look them up only after an insert found one (the transaction is redone).
    let precheck = false;
    for (let attempt = 1; ; attempt++) {
      const slots = deps.handoff?.reserve(prepared.length) ?? NO_SLOTS;
      try {
        const { results, kept, committed, written } = await db.transaction().execute(async (trx) => {
          const known = precheck ? await storedEvents(trx, prepared) : new Map<string, string>();
          const { results, kept, committed, jobs } = await writeGroup(trx, prepared, known, receivedAt);
          const written = await writeJobs(trx, jobs, receivedAt, deps.handoff, slots.count);
          await alongside?.(trx, results);
          return { results, kept, committed, written };
        });
        committed();
        for (const { stored, bytes } of kept) deps.events?.keep(stored, bytes);
        slots.start(written.handed);
        if (written.queued.length > 0) deps.onJobsCommitted?.([...written.queued]);
        return results;
      } catch (error) {
        slots.start([]);
        if (attempt >= RETRIES || !(error instanceof DuplicateEvent || retryable(error))) throw error;
        precheck = true;
      }
    }
  }

  const group = groupCommit(run);

  /**
   * Writes a group of events with one statement per table: issues found (and locked on PostgreSQL), the
   * missing ones created, events stored, users and environments recorded, issues updated, counters
   * bumped. The status machine runs here in event order, so the second event of a group sees what the
   * first did to its issue, exactly as if each had had its own transaction.
   */
  async function writeGroup(
    trx: Transaction<Database>,
    items: readonly Prepared[],
    known: Map<string, string>,
    now: number,
  ): Promise<{
    results: IngestResult[];
    kept: KeptEvent[];
    /**
     * To call once the transaction committed (not before: the rows of one that rolled back do not
     * exist): the rows of users, environments and user buckets it wrote are then known to be stored.
     */
    committed: () => void;
    jobs: JobInput[];
  }> {
    const results: IngestResult[] = new Array(items.length);
    const firstOf = new Map<string, number>();
    const repeats: [index: number, first: number][] = [];
    const fresh: Fresh[] = [];
    for (const [index, item] of items.entries()) {
      const key = eventKey(item.target.projectId, item.event.eventId);
      const stored = known.get(key);
      if (stored !== undefined) {
        results[index] = repeated(item.event.eventId, stored);
        continue;
      }
      const first = firstOf.get(key);
      if (first !== undefined) {
        repeats.push([index, first]);
        continue;
      }
      firstOf.set(key, index);
      fresh.push({ index, item, isNew: false, newUser: false, newInEnvironment: false });
    }
    if (fresh.length === 0) return { results, kept: [], committed: () => undefined, jobs: [] };

    await attachIssues(trx, fresh, now);
    const payloads = fresh.map(({ item }) => JSON.stringify(item.event.raw));
    const stored = await statements.insertEvents(
      trx,
      fresh.map(({ item, issue }, i) => ({
        id: item.rowId,
        project_id: item.target.projectId,
        issue_id: issue!.id,
        event_id: item.event.eventId,
        timestamp: item.event.timestamp,
        received_at: now,
        environment: item.event.environment,
        release: item.event.release,
        level: item.event.level,
        payload: payloads[i]!,
      })),
    );
    if (stored.length !== fresh.length) throw new DuplicateEvent();

    // Which (issue, user) and (issue, environment) pairs are new: the first event of the group with one gets
    // it. Pairs known to be stored are not written again (none of them is new).
    const users = distinctPairs(fresh, (f) => f.item.userHash);
    const newUsers = new Set(
      (
        await statements.addUsers(
          trx,
          unknown(users, knownUsers).map(([issue_id, user_hash]) => ({ issue_id, user_hash })),
        )
      ).map((r) => `${r.issue_id} ${r.user_hash}`),
    );
    const environments = distinctPairs(fresh, (f) => f.item.event.environment ?? '');
    const newEnvironments = new Set(
      (
        await statements.addEnvironments(
          trx,
          unknown(environments, knownEnvironments).map(([issue_id, environment]) => ({
            issue_id,
            environment,
            first_seen: now,
          })),
        )
      ).map((r) => `${r.issue_id} ${r.environment}`),
    );
    for (const f of fresh) {
      if (f.item.userHash !== null) f.newUser = newUsers.delete(`${f.issue!.id} ${f.item.userHash}`);
      f.newInEnvironment = newEnvironments.delete(`${f.issue!.id} ${f.item.event.environment ?? ''}`);
    }

    const changed = new Set<IssueTable>();
    const jobs: JobInput[] = [];
    for (const f of fresh) {
      const issue = f.issue!;
      const transition = f.isNew ? NO_TRANSITION : countInto(issue, f, now);
      if (!f.isNew) changed.add(issue);
      const outcome: IngestOutcome = {
        isNew: f.isNew,
        ...transition,
        isNewInEnvironment: f.newInEnvironment,
      };
      const jobId = `evaluate:${f.item.rowId}`;
      results[f.index] = {
        eventId: f.item.event.eventId,
        issueId: issue.id,
        isNew: f.isNew,
        isRegression: outcome.isRegression,
        outcome,
        jobIds: [jobId],
      };
      jobs.push({
        id: jobId,
        kind: 'evaluate-event',
        payload: { eventId: f.item.rowId, projectId: f.item.target.projectId, issueId: issue.id, ...outcome },
      });
    }
    await statements.updateIssues(trx, [...changed]);
    const bucketsCommitted = await recordFrequencies(trx, frequencyDeltas(fresh), now);

    for (const [index, first] of repeats)
      results[index] = repeated(items[index]!.event.eventId, results[first]!.issueId);
    // The events as a reader would load them back, for whoever keeps them (none in an API process).
    const kept = deps.events
      ? fresh.map(({ item, issue }, i) => ({
          stored: {
            id: item.rowId,
            projectId: item.target.projectId,
            issueId: issue!.id,
            receivedAt: now,
            event: item.event,
          },
          bytes: payloads[i]!.length,
        }))
      : [];
    const committed = () => {
      knownUsers.add(users.keys());
      knownEnvironments.add(environments.keys());
      bucketsCommitted();
    };
    return { results, kept, committed, jobs };
  }

  /** Finds or creates the issue of every fresh event; marks the events that created theirs. */
  async function attachIssues(
    trx: Transaction<Database>,
    fresh: readonly Fresh[],
    now: number,
  ): Promise<void> {
    const issues = await findIssues(trx, fresh);
    const created = new Map<string, { row: IssueTable; creator: Fresh }>();
    for (const f of fresh) {
      const key = issueKey(f.item.target.projectId, f.item.grouping.fingerprint);
      if (!issues.has(key) && !created.has(key)) created.set(key, { row: newIssue(f.item, now), creator: f });
    }
    if (created.size > 0) {
      const wanted = [...created.values()].sort((a, b) =>
        codePointOrder(a.row.fingerprint, b.row.fingerprint),
      );
      const inserted = new Set(
        (
          await statements.createIssues(
            trx,
            wanted.map((c) => c.row),
          )
        ).map((r) => r.id),
      );
      // Losing the race to a concurrent first event means the issue exists now: join it.
      const lost: Fresh[] = [];
      for (const [key, { row, creator }] of created) {
        if (!inserted.has(row.id)) lost.push(creator);
        else {
          issues.set(key, row);
          creator.isNew = true;
        }
      }
      if (lost.length > 0) for (const [key, row] of await findIssues(trx, lost)) issues.set(key, row);
    }
    for (const f of fresh) {
      f.issue = issues.get(issueKey(f.item.target.projectId, f.item.grouping.fingerprint));
      if (!f.issue) throw new Error('issue vanished while ingesting');
    }
  }

  /** The issues of these events' fingerprints, by {@link issueKey}: one statement per project. */
  async function findIssues(
    trx: Transaction<Database>,
    events: readonly Fresh[],
  ): Promise<Map<string, IssueTable>> {
    const byProject = new Map<string, Set<string>>();
    for (const { item } of events) {
      const fingerprints = byProject.get(item.target.projectId) ?? new Set<string>();
      fingerprints.add(item.grouping.fingerprint);
      byProject.set(item.target.projectId, fingerprints);
    }
    const found = new Map<string, IssueTable>();
    for (const [project_id, fingerprints] of byProject) {
      const keys = [...fingerprints].sort(codePointOrder).map((fingerprint) => ({ project_id, fingerprint }));
      for (const row of await statements.findIssues(trx, keys))
        found.set(issueKey(project_id, row.fingerprint), row);
    }
    return found;
  }

  /**
   * Runs `write` once the project's limit admits `count` events; a project without a limit (most) goes
   * straight to it, with no promise of the gate's in between.
   */
  function admitted<T>(target: IngestTarget, count: number, write: () => Promise<T>): Promise<T> {
    return target.rateLimit && deps.gate ? deps.gate(target, count).then(write) : write();
  }

  /** Ingests payloads in one transaction, `alongside` writing in it too (see ingestBatch). */
  function batch(
    target: IngestTarget,
    payloads: readonly EventPayload[],
    alongside?: Alongside,
  ): Promise<IngestResult[]> {
    if (payloads.length === 0) return Promise.resolve([]);
    // N events take N tokens, all or none: a batch is refused whole, like one that fails.
    return admitted(target, payloads.length, () =>
      payloads.length === 1 && !alongside
        ? group({ target, payload: payloads[0]! }).then((result) => [result])
        : run(
            payloads.map((payload) => ({ target, payload })),
            alongside,
          ),
    );
  }

  return {
    /**
     * Ingests one validated payload into a project. Events arriving together share one transaction
     * (group commit; see {@link groupCommit}), each answered on its own. What would pass the event off
     * as a Prometheus alert is dropped (see withoutAlertOrigin): only {@link ingestAlerts} keeps it.
     */
    ingest(target: IngestTarget, payload: EventPayload): Promise<IngestResult> {
      return admitted(target, 1, () => group({ target, payload: withoutAlertOrigin(payload) }));
    },

    /**
     * Ingests several payloads in one transaction: all are stored or none. A single payload (what Sentry
     * SDKs send) joins the group commit of single events, where all-or-nothing holds just the same.
     * Over the project's limit, none is and a 429 says when to come back. As {@link ingest}, what would
     * pass an event off as a Prometheus alert is dropped.
     */
    ingestBatch(target: IngestTarget, payloads: readonly EventPayload[]): Promise<IngestResult[]> {
      return batch(target, payloads.map(withoutAlertOrigin));
    },

    /**
     * Ingests the events the Alertmanager-compatible endpoint made of Prometheus alerts, as
     * {@link ingestBatch} does but keeping what says they are alerts (`extra.alertmanager`, which
     * notifications read); `alongside` writes in the same transaction (the alerts' ends).
     */
    ingestAlerts(
      target: IngestTarget,
      payloads: readonly EventPayload[],
      alongside: Alongside,
    ): Promise<IngestResult[]> {
      return batch(target, payloads, alongside);
    },
  };
}

/**
 * Counts one more event into an existing issue (held in memory for the transaction): times and users
 * seen, last seen, the latest event's level, title and culprit, and the status machine.
 */
function countInto(
  issue: IssueTable,
  f: Fresh,
  now: number,
): { isRegression: boolean; isReappeared: boolean } {
  const { event, grouping, rowId } = f.item;
  const timesSeen = issue.times_seen + 1;
  const usersSeen = issue.users_seen + (f.newUser ? 1 : 0);
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
  issue.times_seen = timesSeen;
  issue.users_seen = usersSeen;
  issue.last_seen = Math.max(issue.last_seen, event.timestamp);
  issue.level = event.level;
  issue.title = grouping.title;
  issue.culprit = grouping.culprit;
  issue.last_event_id = rowId;
  issue.status = next.status;
  issue.updated_at = now;
  if (next.reset) Object.assign(issue, CLEARED_STATE);
  return { isRegression: next.isRegression, isReappeared: next.isReappeared };
}

/** The distinct (issue id, value) pairs of the events, skipping null values, keyed `issue value`. */
function distinctPairs(
  fresh: readonly Fresh[],
  value: (f: Fresh) => string | null,
): Map<string, [issueId: string, value: string]> {
  const pairs = new Map<string, [string, string]>();
  for (const f of fresh) {
    const v = value(f);
    if (v === null) continue;
    const key = `${f.issue!.id} ${v}`;
    if (!pairs.has(key)) pairs.set(key, [f.issue!.id, v]);
  }
  return pairs;
}

/** The pairs of `pairs` that `known` does not hold. */
function unknown(
  pairs: ReadonlyMap<string, [issueId: string, value: string]>,
  known: StoredKeys,
): [issueId: string, value: string][] {
  const left: [string, string][] = [];
  for (const [key, pair] of pairs) if (!known.has(key)) left.push(pair);
  return left;
}

/** Events and distinct users per issue, for the frequency buckets. */
function frequencyDeltas(fresh: readonly Fresh[]): FrequencyDelta[] {
  const byIssue = new Map<string, { events: number; users: Set<string> }>();
  for (const f of fresh) {
    const id = f.issue!.id;
    let delta = byIssue.get(id);
    if (!delta) {
      delta = { events: 0, users: new Set() };
      byIssue.set(id, delta);
    }
    delta.events++;
    if (f.item.userHash !== null) delta.users.add(f.item.userHash);
  }
  return [...byIssue].map(([issueId, { events, users }]) => ({ issueId, events, userHashes: [...users] }));
}

function issueKey(projectId: string, fingerprint: string): string {
  return `${projectId} ${fingerprint}`;
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

function newIssue(item: Prepared, now: number): IssueTable {
  const { target, grouping, event } = item;
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
    users_seen: item.userHash !== null ? 1 : 0,
    assignee_type: null,
    assignee_id: null,
    priority: initialPriority(event.level),
    last_event_id: item.rowId,
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
  return isUniqueViolation(error) || abortedByRace(error);
}

function hash(value: string): string {
  return sha256Hex(value).slice(0, 32);
}
