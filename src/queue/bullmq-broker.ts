import { Queue as BullQueue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { JOB_KINDS, type JobKind } from './queue.js';

/** A job row as the broker sees it: which queue, which message, when. */
export interface RowSignal {
  readonly id: string;
  readonly kind: string;
  readonly run_at: number;
  readonly attempts: number;
}

/** A broker message carries only the row id: the row is the job, the message only says "look now". */
export interface MessageData {
  readonly id: string;
}

/** Where the Redis side lives. */
export interface BrokerOptions {
  readonly redisUrl: string;
  /** Key prefix, so several installations or test runs share one Redis. */
  readonly prefix: string;
  readonly logger: Logger;
}

/** Sends "this row is ready (at t)" messages to BullMQ; one BullMQ queue per job kind. */
export interface Broker {
  /** Adds one message per row, delayed until its `run_at`; a message already waiting is left alone. */
  send(rows: readonly RowSignal[], now: number): Promise<void>;
  /**
   * Sends again rows that are due but unclaimed, unless their message still waits in Redis. A message
   * that is active yet left its row unclaimed is stuck with a dead worker: a second message goes out
   * beside it. With `promote`, delayed messages of due rows run now (an injected clock ran ahead).
   */
  resend(rows: readonly RowSignal[], now: number, options?: { readonly promote?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Whether a stored kind is one this version knows; rows of another version's kinds are left alone. */
export function isJobKind(kind: string): kind is JobKind {
  return (JOB_KINDS as readonly string[]).includes(kind);
}

/**
 * One message id per row and attempt: re-sending the same attempt is a no-op (BullMQ ignores a known
 * id), while a retry gets a new id because the message of the failed attempt is still active. BullMQ
 * refuses ids with `:` and all-digit ids, so those are escaped (reversibly, so two rows never share one).
 */
export function messageId(rowId: string, attempts: number): string {
  // `.` too: it separates the attempt, so row `a.1` must not meet row `a` on its second attempt.
  const safe = rowId.replaceAll('%', '%25').replaceAll(':', '%3A').replaceAll('.', '%2E');
  const id = /^\d+$/.test(safe) ? `%${safe}` : safe;
  return attempts === 0 ? id : `${id}.${attempts}`;
}

/** Logs a failure at most once per interval: a Redis outage reports on every reconnect attempt. */
export function throttledWarn(logger: Logger, message: string, intervalMs = 10_000): (err: unknown) => void {
  let last = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    logger.warn({ err }, message);
  };
}

/** A message about to be added: the row it points at, under which id. */
interface Outgoing {
  readonly kind: JobKind;
  readonly row: RowSignal;
  readonly jobId: string;
}

// A message is only a wake-up: once handled it is gone, so its id can be sent again.
const MESSAGE_OPTIONS = { removeOnComplete: true, removeOnFail: true } as const;

/** The producer side of the BullMQ queue: one shared connection for every kind's queue. */
export function bullmqBroker(options: BrokerOptions): Broker {
  const { prefix, logger } = options;
  const warn = throttledWarn(logger, 'redis unavailable; the sweeper will re-send due jobs');
  // A bounded retry count: a producer waiting forever on a dead Redis would hold up shutdown, and the
  // sweeper re-sends whatever was not sent.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
  connection.on('error', warn);
  const queues = new Map<JobKind, BullQueue<MessageData>>();

  function queueOf(kind: JobKind): BullQueue<MessageData> {
    let queue = queues.get(kind);
    if (!queue) {
      queue = new BullQueue<MessageData>(kind, { connection, prefix });
      queue.on('error', warn);
      queues.set(kind, queue);
    }
    return queue;
  }

  /** Adds one message per item, delayed until its row is due; BullMQ ignores an id it already holds. */
  async function add(items: readonly Outgoing[], now: number): Promise<void> {
    const groups = new Map<JobKind, Outgoing[]>();
    for (const item of items) groups.set(item.kind, [...(groups.get(item.kind) ?? []), item]);
    await Promise.all(
      [...groups].map(([kind, group]) =>
        queueOf(kind).addBulk(
          group.map(({ row, jobId }) => ({
            name: kind,
            data: { id: row.id },
            opts: { jobId, delay: Math.max(0, row.run_at - now), ...MESSAGE_OPTIONS },
          })),
        ),
      ),
    );
  }

  function outgoing(rows: readonly RowSignal[]): Outgoing[] {
    return rows.flatMap((row) =>
      isJobKind(row.kind) ? [{ kind: row.kind, row, jobId: messageId(row.id, row.attempts) }] : [],
    );
  }

  return {
    send: (rows, now) => add(outgoing(rows), now),
    async resend(rows, now, { promote = false } = {}) {
      const items: Outgoing[] = [];
      await Promise.all(
        outgoing(rows).map(async (item) => {
          const queue = queueOf(item.kind);
          const state = await queue.getJobState(item.jobId);
          if (state === 'unknown') items.push(item);
          else if (state === 'delayed' && promote) {
            // It may start or vanish meanwhile; either way it no longer waits.
            await (await queue.getJob(item.jobId))?.promote().catch(() => undefined);
          } else if (state === 'active' || state === 'completed' || state === 'failed') {
            // At most one extra message per row and second, however often the row is swept.
            items.push({ ...item, jobId: `${item.jobId}.${Math.floor(Date.now() / 1000)}` });
          }
        }),
      );
      await add(items, now);
    },
    async close() {
      await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
      queues.clear();
      if (connection.status !== 'end') connection.disconnect();
    },
  };
}
