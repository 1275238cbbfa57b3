import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { normalizeEvent, userKey } from '../events/normalize.js';
import { newId } from '../ids.js';
import type { NotificationStore } from '../notifications/notification-store.js';
import { notificationType } from '../notifications/registry.js';
import type { PreferenceDecisions } from '../preferences/decisions.js';
import { enqueueJobs, type Job, type JobInput } from '../queue/queue.js';
import { parseJsonObject } from '../store/json.js';
import type { Database, DigestTable } from '../store/schema.js';
import { decideAgain, suppressedByReason } from './decide-again.js';
import type { Released, ReleaseScope } from './deferred-release.js';
import { type DigestRecord, digestContent, type OtherSummary } from './digest-content.js';
import { digestJob } from './digest-store.js';

/** What building digests needs. */
export interface DigestBuilderDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly notifications: NotificationStore;
  /** Herald's public address, for the links of what a digest lists. */
  readonly publicUrl: () => string;
  /** A person's settings as they are when the digest is due: what they turned off since is not sent. */
  readonly decisions: PreferenceDecisions;
  /**
   * Releases, in the digest's transaction, what waited for the person's quiet hours in the digest's
   * project and channel and is due too, so that it joins this digest instead of following it alone
   * (see deferred-release.ts). Absent: such deliveries are left to their own jobs.
   */
  readonly release?: (trx: Transaction<Database>, scope: ReleaseScope, now: number) => Promise<Released>;
  readonly onJobsCommitted: (ids: string[]) => void;
  /**
   * Called inside the closing transaction once the digest is claimed; tests throw here to play a worker
   * that dies mid-build (the transaction rolls back and the job runs again elsewhere).
   */
  readonly afterClaim?: (digestId: string) => void;
}

/**
 * The `digest` job: when a digest is due, closes it and sends what it holds, in one transaction. The
 * close is a compare-and-set on the key's open digest and the digest's status, so of two workers one
 * builds it; a worker that dies before commit leaves everything as it was and the job's next run
 * resends the same records. A person's digest is decided again first, with their settings as they are
 * now: records they turned off or snoozed since are `suppressed` (preference, snoozed), and a digest due
 * in their quiet hours stays open until those end (deliveries deferred by the same quiet hours join it
 * then). Several issues, or notifications about no issue that the person's limit held (deploys), make a
 * `digest` notification (dedupe key from the digest id) with its own delivery, those listed by their
 * titles in the person's language; one issue is sent as the normal alert it was, one such notification as
 * itself; nothing wanted or only resolved issues left, it is dropped. The key then remembers the
 * delivery, from which the next digest's `minimum` counts.
 */
export function digestBuilder(deps: DigestBuilderDeps) {
  const { db, clock } = deps;

  async function records(trx: Transaction<Database>, digestId: string): Promise<DigestRecord[]> {
    const rows = await trx
      .selectFrom('deliveries')
      .innerJoin('notifications', 'notifications.id', 'deliveries.notification_id')
      .select([
        'deliveries.id as deliveryId',
        'notifications.id as notificationId',
        'notifications.issue_id as issueId',
        'notifications.type as type',
        'notifications.event_id as eventId',
        'notifications.payload as payload',
        'notifications.created_at as createdAt',
      ])
      .where('deliveries.digest_id', '=', digestId)
      .where('deliveries.status', '=', 'digested')
      .orderBy('notifications.created_at')
      .orderBy('deliveries.id')
      .execute();
    return rows.map((r) => ({ ...r, createdAt: Number(r.createdAt) }));
  }

  /**
   * The title and link of each held notification about no issue, as its own in-app message says them in
   * the recipient's language and zone (a channel or a webhook reads English and UTC). One that cannot be
   * rendered is listed by its type.
   */
  async function summaries(
    trx: Transaction<Database>,
    digest: DigestTable,
    held: readonly DigestRecord[],
  ): Promise<Map<string, OtherSummary>> {
    const others = held.filter((r) => r.issueId === null);
    const summarized = new Map<string, OtherSummary>();
    if (others.length === 0) return summarized;
    const person =
      digest.recipient_type === 'user'
        ? await trx
            .selectFrom('users')
            .select(['locale', 'timezone'])
            .where('id', '=', digest.recipient_id)
            .executeTakeFirst()
        : undefined;
    const base = deps.publicUrl();
    for (const r of others) {
      const type = notificationType(r.type);
      if (!type) continue;
      try {
        const content = await type.render('inapp', parseJsonObject(r.payload), {
          locale: person?.locale ?? 'en',
          timeZone: person?.timezone ?? 'UTC',
          baseUrl: base,
          links: { settings: `${base}/settings/notifications` },
          notificationId: r.notificationId,
          timestamp: r.createdAt,
        });
        summarized.set(r.deliveryId, { title: content.title, url: content.url });
      } catch (error) {
        deps.logger.warn({ err: error, notificationId: r.notificationId }, 'digest entry not rendered');
      }
    }
    return summarized;
  }

  async function close(trx: Transaction<Database>, digest: DigestTable, now: number): Promise<JobInput[]> {
    const claimed = await trx
      .updateTable('digest_keys')
      .set({ open_digest_id: null, updated_at: now })
      .where('key', '=', digest.key)
      .where('open_digest_id', '=', digest.id)
      .executeTakeFirst();
    const won = await trx
      .updateTable('digests')
      .set({ status: 'building', closed_at: now })
      .where('id', '=', digest.id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(won.numUpdatedRows) !== 1) return [];
    if (Number(claimed.numUpdatedRows) !== 1)
      deps.logger.warn({ digestId: digest.id }, 'digest key did not name it open');
    deps.afterClaim?.(digest.id);

    const held = await wanted(trx, digest, await records(trx, digest.id), now);
    if (typeof held === 'number') return [await reopen(trx, digest, held, now)];
    const issueIds = [...new Set(held.flatMap((r) => (r.issueId === null ? [] : [r.issueId])))];
    const issues =
      issueIds.length === 0
        ? []
        : await trx.selectFrom('issues').selectAll().where('id', 'in', issueIds).execute();
    const users = await usersOfHeld(trx, held);
    const content = digestContent(held, issues, users, await summaries(trx, digest, held));
    const finish = (status: string, notificationId: string | null, deliveryId: string | null) =>
      trx
        .updateTable('digests')
        .set({ status, notification_id: notificationId, delivery_id: deliveryId })
        .where('id', '=', digest.id)
        .execute();

    if (content.kind === 'empty') {
      await finish('dropped', null, null);
      return [];
    }
    await trx
      .updateTable('digest_keys')
      .set({ last_delivered_at: now, updated_at: now })
      .where('key', '=', digest.key)
      .execute();
    if (content.kind === 'single') {
      // The latest alert of the one issue goes out as itself; its row already is this recipient's.
      await trx
        .updateTable('deliveries')
        .set({ status: 'pending', reason: null, next_attempt_at: now, updated_at: now })
        .where('id', '=', content.record.deliveryId)
        .where('status', '=', 'digested')
        .execute();
      await finish('sent', content.record.notificationId, content.record.deliveryId);
      // A job id of the digest's own: a delivery that waited for quiet hours had a job under `_0`, whose
      // row may still be there (it may be the job that released it), and would swallow a second one.
      return [deliverJob(content.record.deliveryId, now, digest.id)];
    }
    const notification = await deps.notifications.create(trx, {
      orgId: digest.org_id,
      projectId: digest.project_id,
      type: 'digest',
      issueId: null,
      eventId: null,
      ruleIds: content.payload.rules.map((r) => r.id),
      payload: content.payload,
      dedupeKey: `digest:${digest.id}`,
    });
    const deliveryId = newId('dlv', now);
    await trx
      .insertInto('deliveries')
      .values({
        id: deliveryId,
        notification_id: notification.id,
        org_id: digest.org_id,
        recipient_type: digest.recipient_type,
        recipient_id: digest.recipient_id,
        channel: digest.channel,
        integration_id: digest.integration_id ?? (await personalIntegration(trx, digest.id)),
        status: 'pending',
        reason: null,
        attempts: 0,
        next_attempt_at: now,
        last_error: null,
        provider_message_id: null,
        digest_id: digest.id,
        fallback_of: null,
        created_at: now,
        updated_at: now,
        sent_at: null,
      })
      .execute();
    await finish('sent', notification.id, deliveryId);
    return [deliverJob(deliveryId, now)];
  }

  /**
   * The records the person still wants now; the others are suppressed with their reason. While the
   * person's quiet hours hold, the time they end instead.
   */
  async function wanted(
    trx: Transaction<Database>,
    digest: DigestTable,
    held: readonly DigestRecord[],
    now: number,
  ): Promise<readonly DigestRecord[] | number> {
    if (digest.recipient_type !== 'user' || held.length === 0) return held;
    const decided = await decideAgain(
      deps.decisions,
      trx,
      held.map((r) => ({
        id: r.deliveryId,
        orgId: digest.org_id,
        projectId: digest.project_id,
        type: r.type,
        issueId: r.issueId,
        userId: digest.recipient_id,
        channel: digest.channel,
      })),
      now,
    );
    for (const [reason, ids] of suppressedByReason(decided)) {
      await trx
        .updateTable('deliveries')
        .set({ status: 'suppressed', reason, next_attempt_at: null, updated_at: now })
        .where('id', 'in', ids)
        .where('status', '=', 'digested')
        .execute();
    }
    let until: number | null = null;
    for (const d of decided.values())
      if (d.decision.kind === 'defer') until = Math.max(until ?? 0, d.decision.until);
    if (until !== null) return until;
    return held.filter((r) => (decided.get(r.deliveryId)?.decision.kind ?? 'send') === 'send');
  }

  /** Puts a digest claimed by `close` back as the key's open digest, due at `until`; answers its job. */
  async function reopen(
    trx: Transaction<Database>,
    digest: DigestTable,
    until: number,
    now: number,
  ): Promise<JobInput> {
    await trx
      .updateTable('digests')
      .set({ status: 'open', closed_at: null, due_at: until })
      .where('id', '=', digest.id)
      .execute();
    await trx
      .updateTable('digest_keys')
      .set({ open_digest_id: digest.id, updated_at: now })
      .where('key', '=', digest.key)
      .where('open_digest_id', 'is', null)
      .execute();
    return digestJob(digest.id, until);
  }

  return async function buildDigest(job: Job): Promise<void> {
    const digest = await db
      .selectFrom('digests')
      .selectAll()
      .where('id', '=', String(job.payload.digestId))
      .executeTakeFirst();
    if (digest?.status !== 'open') return;
    const now = clock.now();
    const due = Number(digest.due_at);
    // Additions moved the due time since this job was written: wake up again then.
    const jobs = due > now ? [digestJob(digest.id, due)] : null;
    const ids = await db.transaction().execute(async (trx) => {
      if (jobs) return enqueueJobs(trx, jobs, now);
      // Deferred deliveries due now that belong in this digest join it before it closes. They are taken
      // before the key is locked, as every release takes them, so two transactions never wait on each other.
      // Asked even of a person without quiet hours now: dropping them makes what waited due at once, and
      // it must join this digest rather than follow it alone (held-on-change.ts).
      const released =
        digest.recipient_type === 'user' && deps.release
          ? await deps.release(
              trx,
              { userId: digest.recipient_id, channel: digest.channel, projectId: digest.project_id },
              now,
            )
          : { jobs: [] };
      return enqueueJobs(trx, [...released.jobs, ...(await close(trx, digest, now))], now);
    });
    if (ids.length > 0) deps.onJobsCommitted(ids);
  };
}

function deliverJob(deliveryId: string, now: number, digestId?: string): JobInput {
  const id = `deliver_${deliveryId}_${digestId ?? 0}`;
  return { id, kind: 'deliver', payload: { deliveryId }, runAt: now };
}

/** The integration a person's held deliveries went through (email via the org's mail integration). */
async function personalIntegration(trx: Transaction<Database>, digestId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('deliveries')
    .select('integration_id')
    .where('digest_id', '=', digestId)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row?.integration_id ?? null;
}

/**
 * Distinct users per issue among the events the held records stand for: the same events the digest
 * counts, so "3 events · 2 users" speaks of one set. (Users seen over the digest's span, from the
 * per-minute buckets, also counted events whose alerts went out before the digest opened, or were never
 * held: a digest could say "1 event · 6 users".) The events are read in chunks of SQLite's bound
 * parameters; a digest holds at most a few thousand.
 */
async function usersOfHeld(
  trx: Transaction<Database>,
  held: readonly DigestRecord[],
): Promise<Map<string, number>> {
  const ids = [...new Set(held.flatMap((r) => (r.eventId === null ? [] : [r.eventId])))];
  const users = new Map<string, Set<string>>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await trx
      .selectFrom('events')
      .select(['issue_id', 'payload', 'received_at'])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const row of rows) {
      const user = userKey(normalizeEvent(parseJsonObject(row.payload), Number(row.received_at)).user);
      if (user === null) continue;
      const seen = users.get(row.issue_id) ?? new Set<string>();
      seen.add(user);
      users.set(row.issue_id, seen);
    }
  }
  return new Map([...users].map(([issueId, seen]) => [issueId, seen.size]));
}
