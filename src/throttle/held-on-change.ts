import { sql, type Transaction } from 'kysely';
import { loadDeliveryOptions } from '../people/user-options.js';
import { quietUntil } from '../preferences/quiet-hours.js';
import type { JobInput } from '../queue/queue.js';
import type { Database } from '../store/schema.js';
import { digestJob, digestStore } from './digest-store.js';

/**
 * Runs a change to people's settings (`change`, in `trx`) and schedules, in the same transaction, what
 * waits for them to be decided again at once with the settings as they now are: a person who shortens
 * or drops their quiet hours, moves to another time zone, or turns a type or channel off does not wait
 * for the end computed before. Answers the jobs to write in `trx`, so the change and its re-decision
 * commit together, or neither does.
 *
 * What waited for quiet hours (`deferred`) becomes due now, and each such delivery gets a `deliver` job
 * now: its release (deferred-release.ts) sends what may go now in one release, as the end of quiet hours
 * does, defers what is still quiet to the new end, and suppresses what was turned off. Its old job then
 * finds nothing to do: rows move from `deferred` by compare-and-set, and one deferred again carries its
 * new time, which that job reschedules itself for. Lengthened quiet hours thus move what waits to
 * their new end.
 *
 * A digest the person's quiet hours held (the digest job reopened it until they end) comes due now too,
 * so its build decides it again the same way. Such a digest is known by its due time: the end of the
 * quiet hours that held the person just before the change. Other open digests keep their schedule and
 * are decided when it comes.
 */
export async function decideHeldOnChange(
  trx: Transaction<Database>,
  userIds: readonly string[],
  now: number,
  change: () => Promise<void>,
): Promise<JobInput[]> {
  const people = [...new Set(userIds)];
  const quietEnds = new Map<string, number>();
  for (const [id, options] of await loadDeliveryOptions(trx, people)) {
    const end = quietUntil(options.quietWindows, options.timezone, now);
    if (end !== null) quietEnds.set(id, end);
  }
  await change();
  if (people.length === 0) return [];

  const jobs: JobInput[] = [];
  // Deliveries first, digest keys after, as every release takes them: two transactions never wait on
  // each other.
  const deferred = await trx
    .updateTable('deliveries')
    .set({ next_attempt_at: now, updated_at: now })
    .where('recipient_type', '=', 'user')
    .where('recipient_id', 'in', people)
    // A literal, not a parameter: what lets the planner use the partial index deliveries_deferred.
    .where('status', '=', sql.lit('deferred'))
    .returning('id')
    .execute();
  for (const { id } of deferred) {
    jobs.push({
      id: `deliver_${id}_changed_${now}`,
      kind: 'deliver',
      payload: { deliveryId: id },
      runAt: now,
    });
  }

  const held: { id: string; key: string; end: number }[] = [];
  for (const [userId, end] of quietEnds) {
    const open = await trx
      .selectFrom('digests')
      .select(['id', 'key'])
      // By organization first: what the index on (org_id, status) serves.
      .where('org_id', 'in', trx.selectFrom('members').select('org_id').where('user_id', '=', userId))
      .where('status', '=', 'open')
      .where('recipient_type', '=', 'user')
      .where('recipient_id', '=', userId)
      .where('due_at', '=', end)
      .execute();
    for (const digest of open) held.push({ ...digest, end });
  }
  // Keys are locked in one order, as fan-out and releases lock them.
  held.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const digest of held) {
    await digestStore.lockKey(trx, digest.key, now);
    const moved = await trx
      .updateTable('digests')
      .set({ due_at: now })
      .where('id', '=', digest.id)
      .where('status', '=', 'open')
      .where('due_at', '=', digest.end)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 1) jobs.push(digestJob(digest.id, now));
  }
  return jobs;
}
