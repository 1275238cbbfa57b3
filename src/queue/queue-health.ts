import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/** One job kind's work in the queue at a moment. */
export interface QueueKindHealth {
  /** Jobs due now and not finished (running ones included). */
  readonly due: number;
  /** Jobs waiting for a later time: delayed work and retries waiting out their backoff. */
  readonly delayed: number;
  /** How long the oldest due job has been due, ms; null when none is due. */
  readonly oldestDueAgeMs: number | null;
}

/** The queue as its job table shows it: totals, and the same figures by kind (kinds with jobs only). */
export interface QueueHealth extends QueueKindHealth {
  readonly kinds: Readonly<Record<string, QueueKindHealth>>;
}

/**
 * Reads the queue's depth and lag from the job table at `now`, in one grouped query. The rows are the
 * truth in both profiles (BullMQ only carries wake-ups), so any process of an installation sees the
 * same queue: the readiness probe and the Prometheus gauges read it here. A job in flight counts as
 * delayed: a claimed row is due again only when its lease ends.
 */
export async function readQueueHealth(db: Kysely<Database>, now: number): Promise<QueueHealth> {
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => [
      'kind',
      eb.fn
        .sum<number | string>(eb.case().when('run_at', '<=', now).then(eb.lit(1)).else(eb.lit(0)).end())
        .as('due'),
      eb.fn.countAll<number | string>().as('total'),
      eb.fn
        .min<number | string | null>(eb.case().when('run_at', '<=', now).then(eb.ref('run_at')).end())
        .as('oldest'),
    ])
    .groupBy('kind')
    .orderBy('kind')
    .execute();
  const kinds: Record<string, QueueKindHealth> = {};
  let due = 0;
  let delayed = 0;
  let oldest: number | null = null;
  for (const row of rows) {
    const kindDue = Number(row.due);
    const kindDelayed = Number(row.total) - kindDue;
    const kindOldest = row.oldest === null ? null : Number(row.oldest);
    kinds[row.kind] = {
      due: kindDue,
      delayed: kindDelayed,
      oldestDueAgeMs: kindOldest === null ? null : Math.max(0, now - kindOldest),
    };
    due += kindDue;
    delayed += kindDelayed;
    if (kindOldest !== null && (oldest === null || kindOldest < oldest)) oldest = kindOldest;
  }
  return { due, delayed, oldestDueAgeMs: oldest === null ? null : Math.max(0, now - oldest), kinds };
}
