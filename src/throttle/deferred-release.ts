import { type Kysely, sql, type Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { ChannelKind } from '../delivery/channel.js';
import type { PreferenceDecisions } from '../preferences/decisions.js';
import { enqueueJobs, type JobInput } from '../queue/queue.js';
import type { Database, DeliveryTable } from '../store/schema.js';
import { decideAgain, suppressedByReason } from './decide-again.js';
import type { DigestOptions } from './digest-schedule.js';
import { digestStore } from './digest-store.js';
import type { ChannelLimit, TokenBuckets } from './limiter.js';
import type { ThrottleSettings } from './throttle-settings.js';
import { bucketKey, digestsForPerson, digestTargetOf } from './throttle-stage.js';

/** What releasing deliveries deferred by quiet hours needs. */
export interface DeferredReleaseDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly decisions: PreferenceDecisions;
  readonly limiter: TokenBuckets;
  readonly settings: ThrottleSettings;
  readonly onJobsCommitted: (ids: string[]) => void;
  /** Told the deliveries a release decided, as now stored, after the commit (metrics). */
  readonly onReleased?: (rows: readonly DeliveryTable[]) => void;
  /**
   * Called inside a release's transaction once its deliveries are decided and placed; tests throw here to
   * play a worker that dies mid-way (the transaction rolls back and the job runs again).
   */
  readonly afterPlaced?: () => void;
}

/** Whose deferred deliveries a release takes: one person on one channel, of one project if given. */
export interface ReleaseScope {
  readonly userId: string;
  readonly channel: string;
  /** Only deliveries of notifications of this project (a digest releases what belongs in it). */
  readonly projectId?: string | null;
  /** A delivery to take even if the batch is full (the one whose job runs). */
  readonly include?: string;
}

/** What a release wrote in the caller's transaction: the jobs to write with it and the rows it changed. */
export interface Released {
  readonly jobs: JobInput[];
  readonly rows: DeliveryTable[];
}

/** Deferred deliveries one release takes at most; any others are released by their own jobs. */
const BATCH = 1000;

type DeferredRow = DeliveryTable & {
  readonly type: string;
  readonly project_id: string | null;
  readonly issue_id: string | null;
};

/**
 * Releases what waited for a person's quiet hours to end (deliveries `deferred`, each with a job for the
 * end), decided again first: when the first of them is due, every delivery to that person on that
 * channel whose time came is taken in one transaction, so 22 alerts deferred overnight are one release.
 * Each is decided with the person's settings as they are now: turned off or snoozed since, it is
 * `suppressed` (preference, snoozed); quiet hours moved later, it waits again. The rest is sent as fan-out
 * would have sent it at that time, minus the wait it already had: issue alerts to a person who reads
 * email digests go into the digest of their project × person × channel (DESIGN §8), due now (or
 * `minimum` after the key's last delivery), which sends one issue as its alert and several as one
 * digest; others are sent one by one, within the person's limit for the channel, past which they are
 * held in that digest (`throttled`). Every row moves by a compare-and-set from `deferred`, so two
 * releases never both take one, and a release that dies before its commit changes nothing.
 */
export function deferredRelease(deps: DeferredReleaseDeps) {
  const { db, clock } = deps;

  async function due(trx: Transaction<Database>, scope: ReleaseScope, now: number): Promise<DeferredRow[]> {
    const query = trx
      .selectFrom('deliveries')
      .innerJoin('notifications', 'notifications.id', 'deliveries.notification_id')
      .selectAll('deliveries')
      .select(['notifications.type', 'notifications.project_id', 'notifications.issue_id'])
      .where('deliveries.recipient_type', '=', 'user')
      .where('deliveries.recipient_id', '=', scope.userId)
      .where('deliveries.channel', '=', scope.channel)
      // A literal, not a parameter: what lets the planner use the partial index deliveries_deferred.
      .where('deliveries.status', '=', sql.lit('deferred'))
      .where('deliveries.next_attempt_at', '<=', now);
    const scoped =
      scope.projectId === undefined
        ? query
        : scope.projectId === null
          ? query.where('notifications.project_id', 'is', null)
          : query.where('notifications.project_id', '=', scope.projectId);
    const rows = await scoped
      .orderBy('deliveries.created_at')
      .orderBy('deliveries.id')
      .limit(BATCH)
      .execute();
    if (scope.include !== undefined && !rows.some((r) => r.id === scope.include)) {
      rows.push(...(await scoped.where('deliveries.id', '=', scope.include).execute()));
    }
    return rows;
  }

  /** Moves rows from `deferred` to `fields`; answers the ids it moved (another release took the rest). */
  async function take(
    trx: Transaction<Database>,
    ids: readonly string[],
    fields: Partial<DeliveryTable>,
  ): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const moved = await trx
      .updateTable('deliveries')
      .set(fields)
      .where('id', 'in', [...ids])
      .where('status', '=', 'deferred')
      .returning('id')
      .execute();
    return new Set(moved.map((r) => r.id));
  }

  /**
   * Releases, in the caller's transaction, the person's deferred deliveries on the channel that are due
   * at `now`; answers the jobs to write in that transaction and the rows as they now are.
   */
  async function releaseIn(trx: Transaction<Database>, scope: ReleaseScope, now: number): Promise<Released> {
    const rows = await due(trx, scope, now);
    if (rows.length === 0) return { jobs: [], rows: [] };
    const decided = await decideAgain(
      deps.decisions,
      trx,
      rows.map((r) => ({
        id: r.id,
        orgId: r.org_id,
        projectId: r.project_id,
        type: r.type,
        issueId: r.issue_id,
        userId: r.recipient_id,
        channel: r.channel,
      })),
      now,
    );
    const jobs: JobInput[] = [];
    const out: DeliveryTable[] = [];
    const strip = ({ type: _t, project_id: _p, issue_id: _i, ...row }: DeferredRow): DeliveryTable => row;

    // Suppressed: turned off or snoozed since.
    for (const [reason, ids] of suppressedByReason(decided)) {
      const fields = { status: 'suppressed', reason, next_attempt_at: null, updated_at: now };
      const moved = await take(trx, ids, fields);
      for (const r of rows) if (moved.has(r.id)) out.push({ ...strip(r), ...fields });
    }
    // Still quiet (the person moved their quiet hours): waits again, until the new end.
    const until = new Map<number, string[]>();
    for (const r of rows) {
      const d = decided.get(r.id)?.decision;
      if (d?.kind === 'defer') until.set(d.until, [...(until.get(d.until) ?? []), r.id]);
    }
    for (const [at, ids] of until) {
      const fields = { next_attempt_at: at, updated_at: now };
      const moved = await take(trx, ids, fields);
      for (const r of rows) {
        if (!moved.has(r.id)) continue;
        out.push({ ...strip(r), ...fields });
        jobs.push({
          id: `deliver_${r.id}_quiet_${at}`,
          kind: 'deliver',
          payload: { deliveryId: r.id },
          runAt: at,
        });
      }
    }
    // Sent: first taken as pending, then placed. Keys are locked in one order, as fan-out locks them.
    const sending = rows.filter((r) => (decided.get(r.id)?.decision.kind ?? 'send') === 'send');
    const moved = await take(
      trx,
      sending.map((r) => r.id),
      { status: 'pending', reason: null, next_attempt_at: now, updated_at: now },
    );
    const placed = sending
      .filter((r) => moved.has(r.id))
      .map((r) => ({ row: r, target: digestTargetOf({ orgId: r.org_id, projectId: r.project_id }, r) }))
      .sort((a, b) => (a.target.key < b.target.key ? -1 : a.target.key > b.target.key ? 1 : 0));
    const limits = new Map<string, Record<ChannelKind, ChannelLimit | null>>();
    const schedules = new Map<string | null, DigestOptions>();
    for (const { row, target } of placed) {
      let limit = limits.get(row.org_id);
      if (!limit) {
        limit = (await deps.settings.limits(row.org_id, trx)).limits;
        limits.set(row.org_id, limit);
      }
      let options = schedules.get(row.project_id);
      if (!options) {
        options = await deps.settings.digestOptions(row.project_id, trx);
        schedules.set(row.project_id, options);
      }
      const channelLimit = limit[row.channel as ChannelKind] ?? null;
      const hold = async (reason: 'quiet_hours' | 'throttled') => {
        const state = await digestStore.lockKey(trx, target.key, now);
        const added =
          reason === 'quiet_hours'
            ? await digestStore.addReleased(trx, state, target, options, now)
            : await digestStore.add(trx, state, target, options, now);
        if (added.job) jobs.push(added.job);
        const fields = { status: 'digested', reason, digest_id: added.digestId, next_attempt_at: null };
        await trx.updateTable('deliveries').set(fields).where('id', '=', row.id).execute();
        out.push({ ...strip(row), ...fields, updated_at: now });
      };
      const digests = decided.get(row.id)?.emailDigests ?? true;
      if (row.issue_id !== null && digestsForPerson(row.type, row.channel, digests)) {
        await digestStore.firstOfIssue(trx, target.key, row.issue_id, now);
        await hold('quiet_hours');
      } else if (
        // A message about no project (an integration disabled) has no digest to wait in (throttle-stage.ts).
        row.project_id !== null &&
        channelLimit !== null &&
        !(await deps.limiter.take(trx, bucketKey(target), channelLimit, now))
      ) {
        await hold('throttled');
      } else {
        // Its first job may be the one running now: a job id of its own, so it is written.
        jobs.push({
          id: `deliver_${row.id}_released_${now}`,
          kind: 'deliver',
          payload: { deliveryId: row.id },
          runAt: now,
        });
        out.push({ ...strip(row), status: 'pending', reason: null, next_attempt_at: now, updated_at: now });
      }
    }
    return { jobs, rows: out };
  }

  return {
    releaseIn,

    /**
     * The `deliver` job of a deferred delivery: releases it with every delivery due to the same person
     * on the same channel, in one transaction. One not due yet gets a job for its time.
     */
    async release(deliveryId: string): Promise<void> {
      const now = clock.now();
      const row = await db
        .selectFrom('deliveries')
        .select(['id', 'status', 'recipient_type', 'recipient_id', 'channel', 'next_attempt_at'])
        .where('id', '=', deliveryId)
        .executeTakeFirst();
      if (row?.status !== 'deferred') return;
      const at = row.next_attempt_at === null ? now : Number(row.next_attempt_at);
      if (at > now) {
        const job: JobInput = {
          id: `deliver_${row.id}_quiet_${at}`,
          kind: 'deliver',
          payload: { deliveryId },
          runAt: at,
        };
        deps.onJobsCommitted(await enqueueJobs(db, [job], now));
        return;
      }
      const released = await db.transaction().execute(async (trx) => {
        const result =
          row.recipient_type === 'user'
            ? await releaseIn(trx, { userId: row.recipient_id, channel: row.channel, include: row.id }, now)
            : await releaseOther(trx, row.id, now);
        deps.afterPlaced?.();
        return { ids: await enqueueJobs(trx, result.jobs, now), rows: result.rows };
      });
      if (released.ids.length > 0) deps.onJobsCommitted(released.ids);
      if (released.rows.length > 0) deps.onReleased?.(released.rows);
    },
  };

  /** Fan-out defers only people's deliveries; any other is sent as it is. */
  async function releaseOther(trx: Transaction<Database>, id: string, now: number): Promise<Released> {
    const moved = await take(trx, [id], { status: 'pending', next_attempt_at: now, updated_at: now });
    if (!moved.has(id)) return { jobs: [], rows: [] };
    return {
      jobs: [
        { id: `deliver_${id}_released_${now}`, kind: 'deliver', payload: { deliveryId: id }, runAt: now },
      ],
      rows: [],
    };
  }
}

/** Releases deliveries deferred by quiet hours. */
export type DeferredRelease = ReturnType<typeof deferredRelease>;
