import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database, IssueTable } from '../store/schema.js';
import type { Dialect } from '../store/store.js';
import { alertEnd, type PostableAlert } from './alertmanager.js';
import { resolveUnresolved } from './issues.js';

/** Alertmanager's default `resolve_timeout`: how long an alert sent without `endsAt` lasts unless sent again. */
export const ALERT_RESOLVE_TIMEOUT_MS = 5 * 60_000;

/** How often a worker looks for alerts that ended. */
const SWEEP_INTERVAL_MS = 2_000;
/** Alerts resolved in one transaction. */
const SWEEP_BATCH = 50;
/**
 * Alerts a sweep takes at most: when thousands end at once (a Prometheus gone quiet), their resolutions
 * and what tells of them (a workflow job each) are spread over sweeps, 100 a second, instead of holding
 * up the events that keep coming (`npx tsx bench/alert-ends.ts`: 10,000 alerts ending in a stream of 200
 * events/s took the stream's p99 to 200 s when resolved all at once; 1,000 a sweep every 10 s, to about a
 * second at each sweep).
 */
const MAX_PER_SWEEP = 200;

/** An alert whose end passed, as a sweep read it. */
interface DueAlert {
  readonly project_id: string;
  readonly fingerprint: string;
  readonly issue_id: string;
  readonly ends_at: number;
}

/** A firing alert as ingest grouped it: its label set's fingerprint, its issue, when it began and ends. */
export interface FiringEnd {
  readonly fingerprint: string;
  readonly issueId: string;
  /** When the firing began (see firingStart in alertmanager.ts). */
  readonly startedAt: number;
  /** Null: it ends only when its sender says it did (an Alertmanager's webhook). */
  readonly endsAt: number | null;
}

/** What Herald knows of an alert before a firing of it is ingested. */
export interface KnownAlert {
  /** When Herald last resolved its issue because it ended (its next firing reopens the issue). */
  readonly expiredAt?: number;
  /** When its firing began, while it has not ended (a sending without `startsAt` continues it). */
  readonly startedAt?: number;
}

/**
 * The ends of a project's Alertmanager alerts, as Alertmanager keeps them: every firing sent moves its
 * alert's end (`endsAt`, or the resolve timeout after it arrived), and an alert whose end passes without
 * being sent again, nor resolved by its sender, is resolved: Prometheus stopped evaluating its rule, lost
 * its way to Herald, or was told to send no resolution. Here that resolves the alert's issue, which tells
 * whoever heard of it (the `resolved` activity: webhooks, Slack threads, PagerDuty incidents). The same
 * firing sent again afterwards reopens the issue (see {@link alertToEvent}'s `expiredAt`).
 *
 * Every worker sweeps; each alert is taken by a transaction that clears its end, so two workers never
 * both resolve it, and a firing sent meanwhile (which moves the end) is never resolved. A sweep takes at
 * most {@link MAX_PER_SWEEP} alerts, {@link SWEEP_BATCH} a transaction.
 */
export function alertEnds(deps: {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Told the ids of the workflow jobs a resolution committed. */
  readonly onJobsCommitted?: (ids: string[]) => void;
  /** Told of an issue an alert's end resolved (it inhibits nothing from then on). */
  readonly onSettled?: (projectId: string, issueId: string) => void;
  /** How long an alert sent without `endsAt` lasts (Alertmanager's `resolve_timeout`). */
  readonly resolveTimeoutMs?: number;
  readonly intervalMs?: number;
  /** Alerts one sweep takes at most; default {@link MAX_PER_SWEEP}. */
  readonly maxPerSweep?: number;
}) {
  const { db, clock, logger } = deps;
  const maxPerSweep = deps.maxPerSweep ?? MAX_PER_SWEEP;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  /**
   * Resolves the issues of alerts whose end passed, in one transaction, but those sent again or stopped
   * meanwhile; answers the issues it resolved, each with its activity's job ids.
   */
  async function expire(due: readonly DueAlert[]): Promise<{ issue: IssueTable; jobIds: string[] }[]> {
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      // The issues first, in the order ingest locks them (by fingerprint), then their alerts: the order
      // ingest and a person's change take them in, so that on PostgreSQL no two wait on each other.
      const issues = await trx
        .selectFrom('issues')
        .innerJoin('projects', 'projects.id', 'issues.project_id')
        .selectAll('issues')
        .where('issues.id', 'in', [...new Set(due.map((d) => d.issue_id))])
        .where('projects.deleted_at', 'is', null)
        .orderBy('issues.project_id')
        .orderBy('issues.fingerprint')
        .$if(deps.dialect === 'postgres', (q) => q.forUpdate('issues'))
        .execute();
      const open = new Map(issues.filter((i) => i.status === 'unresolved').map((i) => [i.id, i]));
      const resolved: { issue: IssueTable; jobIds: string[] }[] = [];
      for (const alert of due) {
        const taken = await trx
          .updateTable('alert_ends')
          .set({ ends_at: null, expired_at: now })
          .where('project_id', '=', alert.project_id)
          .where('fingerprint', '=', alert.fingerprint)
          .where('issue_id', '=', alert.issue_id)
          .where('ends_at', '=', alert.ends_at)
          .executeTakeFirst();
        const issue = open.get(alert.issue_id);
        if (Number(taken.numUpdatedRows) === 0 || !issue) continue;
        // Resolved when the alert ended, as Alertmanager has it, though the sweep came up to 2 s later.
        const jobIds = await resolveUnresolved(trx, issue, now, alert.ends_at);
        open.delete(issue.id);
        if (jobIds) resolved.push({ issue, jobIds });
      }
      return resolved;
    });
  }

  async function sweep(): Promise<number> {
    let resolved = 0;
    let taken = 0;
    while (taken < maxPerSweep) {
      const due = (
        await db
          .selectFrom('alert_ends')
          .select(['project_id', 'fingerprint', 'issue_id', 'ends_at'])
          .where('ends_at', '<=', clock.now())
          .orderBy('ends_at')
          .limit(Math.min(SWEEP_BATCH, maxPerSweep - taken))
          .execute()
      ).map((row) => ({ ...row, ends_at: Number(row.ends_at) }));
      if (due.length === 0) break;
      taken += due.length;
      try {
        for (const { issue, jobIds } of await expire(due)) {
          resolved++;
          logger.info({ issueId: issue.id }, 'resolved an issue whose alert ended without being sent again');
          if (jobIds.length > 0) deps.onJobsCommitted?.(jobIds);
          deps.onSettled?.(issue.project_id, issue.id);
        }
      } catch (error) {
        // Tried again at the next sweep: read again now, the same alerts would fail again.
        logger.warn({ err: error, alerts: due.length }, 'could not resolve the issues of alerts that ended');
        break;
      }
      if (due.length < SWEEP_BATCH) break;
    }
    return resolved;
  }

  const resolveTimeoutMs = deps.resolveTimeoutMs ?? ALERT_RESOLVE_TIMEOUT_MS;

  return {
    /** How long an alert sent without `endsAt` lasts (Alertmanager's `resolve_timeout`). */
    resolveTimeoutMs,

    /** When a firing alert received now ends unless it is sent again. */
    endOf(alert: PostableAlert, receivedAt: number): number {
      return alertEnd(alert, receivedAt, resolveTimeoutMs);
    },

    /**
     * What Herald knows of these alerts at `now`, by fingerprint: read before their firings are ingested,
     * which then reopen an issue resolved because its alert ended, and continue a firing that has not
     * ended (see {@link alertToEvent}).
     */
    async known(
      projectId: string,
      fingerprints: readonly string[],
      now: number,
    ): Promise<Map<string, KnownAlert>> {
      const found = new Map<string, KnownAlert>();
      const unique = [...new Set(fingerprints)];
      for (let i = 0; i < unique.length; i += 500) {
        const rows = await db
          .selectFrom('alert_ends')
          .select(['fingerprint', 'expired_at', 'started_at', 'ends_at'])
          .where('project_id', '=', projectId)
          .where('fingerprint', 'in', unique.slice(i, i + 500))
          .execute();
        for (const row of rows) {
          const firing = row.ends_at !== null && Number(row.ends_at) > now && row.started_at !== null;
          found.set(row.fingerprint, {
            ...(row.expired_at === null ? {} : { expiredAt: Number(row.expired_at) }),
            ...(firing ? { startedAt: Number(row.started_at) } : {}),
          });
        }
      }
      return found;
    },

    /**
     * Moves the ends of firing alerts, in the transaction that ingested them: the later of the end known
     * and the one sent (an end sent earlier than one known does not cut the alert short), an alert sent
     * twice in one batch once. An alert sent with no end (null: an Alertmanager's webhook, which says when
     * it resolved) has none from then on, whatever end it had.
     */
    async firing(
      trx: Transaction<Database>,
      projectId: string,
      alerts: readonly FiringEnd[],
      now: number,
    ): Promise<void> {
      const latest = new Map<string, FiringEnd>();
      for (const alert of alerts) {
        const known = latest.get(alert.fingerprint);
        if (!known || (known.endsAt ?? Number.POSITIVE_INFINITY) < (alert.endsAt ?? Number.POSITIVE_INFINITY))
          latest.set(alert.fingerprint, alert);
      }
      const rows = [...latest.values()].map(({ fingerprint, issueId, startedAt, endsAt }) => ({
        project_id: projectId,
        fingerprint,
        issue_id: issueId,
        ends_at: endsAt,
        expired_at: null,
        started_at: startedAt,
      }));
      for (let i = 0; i < rows.length; i += 500)
        await trx
          .insertInto('alert_ends')
          .values(rows.slice(i, i + 500))
          .onConflict((oc) =>
            oc.columns(['project_id', 'fingerprint']).doUpdateSet((eb) => ({
              issue_id: eb.ref('excluded.issue_id'),
              ends_at: sql<number>`case when alert_ends.ends_at > excluded.ends_at then alert_ends.ends_at else excluded.ends_at end`,
              // A firing that has not ended keeps its start; one after an end (or a resolution) has its own.
              started_at: sql<number>`case when alert_ends.ends_at > ${now} then coalesce(alert_ends.started_at, excluded.started_at) else excluded.started_at end`,
            })),
          )
          .execute();
    },

    /**
     * Resolves now the issues of the alerts whose end passed; answers how many it resolved (a sweep
     * already running is joined, not doubled).
     */
    sweep(): Promise<number> {
      running ??= sweep().finally(() => {
        running = null;
      });
      return running;
    },

    /** Sweeps periodically (worker roles). */
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        this.sweep().catch((error: unknown) => logger.warn({ err: error }, 'alert end sweep failed'));
      }, deps.intervalMs ?? SWEEP_INTERVAL_MS);
      timer.unref();
    },

    /** Stops the sweeps and waits for one that runs. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}

/** The ends of a project's Alertmanager alerts. */
export type AlertEnds = ReturnType<typeof alertEnds>;
