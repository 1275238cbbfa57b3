import type { Transaction } from 'kysely';
import { newId } from '../ids.js';
import type { JobInput } from '../queue/queue.js';
import type { Database, DigestKeyTable } from '../store/schema.js';
import { type DigestOptions, extendedDue, openedDue, releasedDue } from './digest-schedule.js';

/** Who a digest goes to: one key is project × recipient × channel. */
export interface DigestTarget {
  readonly key: string;
  readonly orgId: string;
  readonly projectId: string | null;
  readonly recipientType: string;
  readonly recipientId: string;
  readonly channel: string;
  readonly integrationId: string | null;
}

/** The key a project, recipient and channel batch under (the integration separates same-named channels). */
export function digestKey(
  projectId: string | null,
  recipientType: string,
  recipientId: string,
  channel: string,
  integrationId: string | null,
): string {
  return [projectId ?? '-', recipientType, integrationId ?? '-', recipientId, channel].join(':');
}

/** The job that builds digest `id` when it is due; its id is stable, so writing it twice writes once. */
export function digestJob(id: string, runAt: number): JobInput {
  return { id: `digest_${id}_${runAt}`, kind: 'digest', payload: { digestId: id }, runAt };
}

/**
 * Digest rows and each key's schedule, always written in the caller's transaction. Every change to a key
 * starts by writing its `digest_keys` row, which on PostgreSQL locks it until commit: adding to a digest
 * and closing it are serialised per key, so no record lands in a digest that was already built.
 */
export const digestStore = {
  /** The key's state, its row locked for the rest of `trx`. */
  async lockKey(trx: Transaction<Database>, key: string, now: number): Promise<DigestKeyTable> {
    return trx
      .insertInto('digest_keys')
      .values({ key, open_digest_id: null, last_delivered_at: null, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ updated_at: now }))
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** Records that the key has now heard of the issue; true when it had not before. */
  async firstOfIssue(
    trx: Transaction<Database>,
    key: string,
    issueId: string,
    now: number,
  ): Promise<boolean> {
    const result = await trx
      .insertInto('digest_seen_issues')
      .values({ key, issue_id: issueId, created_at: now })
      .onConflict((oc) => oc.columns(['key', 'issue_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  },

  /** Remembers a delivery that went out at once, from which the next digest's delay is measured. */
  async delivered(trx: Transaction<Database>, key: string, now: number): Promise<void> {
    await trx
      .updateTable('digest_keys')
      .set({ last_delivered_at: now, updated_at: now })
      .where('key', '=', key)
      .execute();
  },

  /**
   * Adds one record to the key's open digest, moving its due time, or opens one; returns the digest id
   * and the job to write when a digest was opened. The key must be locked (`lockKey`) in `trx`.
   */
  async add(
    trx: Transaction<Database>,
    state: DigestKeyTable,
    target: DigestTarget,
    options: DigestOptions,
    now: number,
  ): Promise<{ digestId: string; job: JobInput | null }> {
    const last = state.last_delivered_at === null ? null : Number(state.last_delivered_at);
    const open = await openOf(trx, state);
    if (open) {
      const due = extendedDue(Number(open.due_at), last, Number(open.opened_at), options);
      await trx
        .updateTable('digests')
        .set((eb) => ({ due_at: due, record_count: eb('record_count', '+', 1) }))
        .where('id', '=', open.id)
        .execute();
      return { digestId: open.id, job: null };
    }
    return openDigest(trx, target, openedDue(last, now, options), now);
  },

  /**
   * Adds one record that waited for the recipient's quiet hours to the key's open digest, or opens one:
   * it has waited already, so the digest is due now, or `minimum` after the key's last delivery when
   * that is later, and never later than the open digest already was. Returns the digest id and the job
   * to write when the due time moved earlier or a digest was opened. The key must be locked (`lockKey`).
   */
  async addReleased(
    trx: Transaction<Database>,
    state: DigestKeyTable,
    target: DigestTarget,
    options: DigestOptions,
    now: number,
  ): Promise<{ digestId: string; job: JobInput | null }> {
    const last = state.last_delivered_at === null ? null : Number(state.last_delivered_at);
    const due = releasedDue(last, now, options);
    const open = await openOf(trx, state);
    if (open) {
      const earlier = due < Number(open.due_at);
      await trx
        .updateTable('digests')
        .set((eb) => ({ record_count: eb('record_count', '+', 1), ...(earlier ? { due_at: due } : {}) }))
        .where('id', '=', open.id)
        .execute();
      return { digestId: open.id, job: earlier ? digestJob(open.id, due) : null };
    }
    return openDigest(trx, target, due, now);
  },
};

/** The key's open digest, if it has one still open. */
async function openOf(trx: Transaction<Database>, state: DigestKeyTable) {
  if (state.open_digest_id === null) return undefined;
  return trx
    .selectFrom('digests')
    .select(['id', 'due_at', 'opened_at'])
    .where('id', '=', state.open_digest_id)
    .where('status', '=', 'open')
    .executeTakeFirst();
}

/** Opens the key's digest, due at `due`; the key must be locked. */
async function openDigest(
  trx: Transaction<Database>,
  target: DigestTarget,
  due: number,
  now: number,
): Promise<{ digestId: string; job: JobInput }> {
  const id = newId('dgs', now);
  await trx
    .insertInto('digests')
    .values({
      id,
      org_id: target.orgId,
      project_id: target.projectId,
      key: target.key,
      recipient_type: target.recipientType,
      recipient_id: target.recipientId,
      channel: target.channel,
      integration_id: target.integrationId,
      status: 'open',
      opened_at: now,
      due_at: due,
      closed_at: null,
      notification_id: null,
      delivery_id: null,
      record_count: 1,
    })
    .execute();
  await trx
    .updateTable('digest_keys')
    .set({ open_digest_id: id, updated_at: now })
    .where('key', '=', target.key)
    .execute();
  return { digestId: id, job: digestJob(id, due) };
}
