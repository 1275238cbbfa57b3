import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { enqueueJobs } from '../queue/queue.js';
import type { Database, DeliveryTable } from '../store/schema.js';
import { iso } from '../tenancy/context.js';

/** A delivery as the deliveries API lists it, with its last error. */
export interface DeliveryRecord {
  readonly id: string;
  readonly notificationId: string;
  readonly recipient: { readonly type: string; readonly id: string };
  readonly channel: string;
  readonly integrationId: string | null;
  readonly status: string;
  readonly reason: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  /** When a failed delivery is tried again; null when no attempt is planned. */
  readonly nextAttemptAt: string | null;
  readonly sentAt: string | null;
  /** The delivery on another channel this one falls back from. */
  readonly fallbackOf: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const toRecord = (r: DeliveryTable): DeliveryRecord => ({
  id: r.id,
  notificationId: r.notification_id,
  recipient: { type: r.recipient_type, id: r.recipient_id },
  channel: r.channel,
  integrationId: r.integration_id,
  status: r.status,
  reason: r.reason,
  attempts: r.attempts,
  lastError: r.last_error,
  nextAttemptAt: iso(r.next_attempt_at),
  sentAt: iso(r.sent_at),
  fallbackOf: r.fallback_of,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/**
 * Lists deliveries by status (dead letters above all) and replays them. A replay sends the same delivery
 * again, so it keeps its idempotency key (`webhook-id`) and receivers can still drop a duplicate.
 */
export function deadLetters(deps: {
  db: Kysely<Database>;
  clock: Clock;
  onJobsCommitted: (ids: string[]) => void;
}) {
  const { db, clock } = deps;

  /**
   * Replays the dead deliveries among `ids`. One whose integration is disabled or deleted, or whose
   * person left the organization, is held back (`held`, with why): sent now it would only be suppressed,
   * and never be a dead letter to replay again once the integration works. One about a deleted project
   * is held back for good: nothing more is sent about it.
   */
  async function replay(orgId: string, ids: readonly string[]): Promise<Replayed> {
    if (ids.length === 0) return { data: [], held: [] };
    const now = clock.now();
    const { rows, held, jobIds } = await db.transaction().execute(async (trx) => {
      const found = await trx
        .selectFrom('deliveries')
        .innerJoin('notifications', 'notifications.id', 'deliveries.notification_id')
        .leftJoin('projects', 'projects.id', 'notifications.project_id')
        .leftJoin('integrations', 'integrations.id', 'deliveries.integration_id')
        .leftJoin('members', (join) =>
          join
            .onRef('members.org_id', '=', 'deliveries.org_id')
            .onRef('members.user_id', '=', 'deliveries.recipient_id'),
        )
        .selectAll('deliveries')
        .select([
          'integrations.status as integration_status',
          'integrations.name as integration_name',
          'members.user_id as member',
          'notifications.project_id as project_id',
          'projects.id as project_row',
          'projects.deleted_at as project_deleted_at',
        ])
        .where('deliveries.org_id', '=', orgId)
        .where('deliveries.id', 'in', [...ids])
        .where('deliveries.status', '=', 'dead')
        .execute();
      const held: HeldDelivery[] = [];
      const dead: DeliveryTable[] = [];
      for (const {
        integration_status,
        integration_name,
        member,
        project_id,
        project_row,
        project_deleted_at,
        ...row
      } of found) {
        // A deleted project's row lingers until its purge, a purged one's is gone.
        const projectGone = project_id !== null && (project_row === null || project_deleted_at != null);
        const why = projectGone
          ? 'its project was deleted'
          : row.recipient_type === 'user' && member === null
            ? 'the person is no longer a member of the organization'
            : heldBecause(row.integration_id, integration_status, integration_name);
        if (why) held.push({ id: row.id, reason: why });
        else dead.push(row);
      }
      if (dead.length === 0) return { rows: [], held, jobIds: [] };
      await trx
        .updateTable('deliveries')
        .set({
          status: 'pending',
          attempts: 0,
          reason: 'replayed',
          next_attempt_at: now,
          updated_at: now,
          replayed_at: now,
        })
        .where(
          'id',
          'in',
          dead.map((d) => d.id),
        )
        .where('status', '=', 'dead')
        .execute();
      const jobIds = await enqueueJobs(
        trx,
        dead.map((d) => ({
          id: `deliver_${d.id}_replay_${now}`,
          kind: 'deliver' as const,
          payload: { deliveryId: d.id },
        })),
        now,
      );
      return {
        rows: dead.map((d) => ({
          ...d,
          status: 'pending',
          attempts: 0,
          reason: 'replayed',
          updated_at: now,
        })),
        held,
        jobIds,
      };
    });
    if (jobIds.length > 0) deps.onJobsCommitted(jobIds);
    return { data: rows.map(toRecord), held };
  }

  return {
    async list(
      orgId: string,
      filter: { status?: string | undefined; channel?: string | undefined },
      page: { cursor?: string | undefined; limit: number },
    ): Promise<{ data: DeliveryRecord[]; nextCursor: string | null }> {
      let query = db.selectFrom('deliveries').selectAll().where('org_id', '=', orgId);
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.channel) query = query.where('channel', '=', filter.channel);
      if (page.cursor) query = query.where('id', '<', page.cursor);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(page.limit + 1)
        .execute();
      const data = rows.slice(0, page.limit).map(toRecord);
      return { data, nextCursor: rows.length > page.limit ? (data.at(-1)?.id ?? null) : null };
    },

    /**
     * Replays one dead delivery; 404 when it is no delivery of this organization, 409 when it is not
     * dead or its integration does not work now.
     */
    async retry(orgId: string, id: string): Promise<DeliveryRecord> {
      const { data, held } = await replay(orgId, [id]);
      if (data[0]) return data[0];
      if (held[0]) throw new ConflictError(`This delivery was not replayed: ${held[0].reason}`);
      const found = await db
        .selectFrom('deliveries')
        .select('status')
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!found) throw new NotFoundError('Delivery');
      throw new ConflictError(`This delivery is ${found.status}, not dead: only dead letters are replayed`);
    },

    /** Replays many dead deliveries (the given ids, or every dead one of a channel), at most `limit`. */
    async retryMany(
      orgId: string,
      input: { ids?: readonly string[] | undefined; channel?: string | undefined; limit: number },
    ): Promise<Replayed> {
      let ids = input.ids ? [...input.ids] : undefined;
      if (!ids) {
        let query = db
          .selectFrom('deliveries')
          .select('id')
          .where('org_id', '=', orgId)
          .where('status', '=', 'dead');
        if (input.channel) query = query.where('channel', '=', input.channel);
        ids = (await query.orderBy('id').limit(input.limit).execute()).map((r) => r.id);
      }
      return replay(orgId, ids.slice(0, input.limit));
    },
  };
}

/** What a replay did: the deliveries queued again, and those held back with why. */
export interface Replayed {
  readonly data: DeliveryRecord[];
  readonly held: HeldDelivery[];
}

/** A dead delivery not replayed, and why (its integration is disabled or deleted). */
export interface HeldDelivery {
  readonly id: string;
  readonly reason: string;
}

function heldBecause(
  integrationId: string | null,
  status: string | null,
  name: string | null,
): string | null {
  if (integrationId === null || status === 'active') return null;
  if (status === null) return 'its integration was deleted';
  return `its integration “${name}” is ${status}; enable it, then replay`;
}

/** The dead-letter service. */
export type DeadLetters = ReturnType<typeof deadLetters>;
