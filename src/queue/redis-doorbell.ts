import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { redisConnection, redisErrorLog } from '../store/redis-connection.js';

/**
 * Tells the workers of every process that jobs were committed, so they look at once instead of at their
 * next poll. It carries no job: the job table is the queue, and a ring that is lost (Redis down, a process
 * killed between its commit and its ring) only makes the work wait for the next poll.
 */
export interface Doorbell {
  /** Rings the listeners of every other process; the rings of one turn go out as one message. */
  ring(): void;
  /**
   * Calls `listener` on every ring of another process; resolves once rings are heard (or hearing them
   * failed, which is logged: the polls go on).
   */
  listen(listener: () => void): Promise<void>;
  close(): Promise<void>;
}

/** Options of the Redis doorbell. */
export interface RedisDoorbellOptions {
  readonly redisUrl: string;
  /** Key prefix of the installation: its channel is `<prefix>:jobs`. */
  readonly prefix: string;
  readonly logger: Logger;
  /** Spaces the log lines of a Redis outage. Default the wall clock. */
  readonly clock?: Clock;
}

/**
 * The doorbell of the cluster profile: Redis pub/sub on one channel. The subscribing connection opens
 * with the first listener (API processes run no workers and only ring), and resubscribes after a
 * reconnection; rings missed meanwhile are made up by the workers' polls. A closed doorbell opens again
 * when used.
 *
 * Why a doorbell and not a message per job (BullMQ, as the cluster profile had before): a worker was
 * handed one message at a time, each in a turn of its own, so it claimed its job, read the job's event,
 * issue and rule state and settled its delivery one row per statement, and PostgreSQL's CPU per
 * statement bound the cluster (at 500 events/s the worker's 10 connections were all busy, with 50–100
 * statements waiting). Claimed from the table a batch at a time, a poll's jobs share those reads and
 * writes as they do on SQLite. Three alternated pairs of `bench/run.ts --quick --only=cluster`:
 * delivery stage 1,908 / 1,612 / 2,951 deliveries/s against 805 / 945 / 779, alerts 678 / 552 / 1,043
 * against 461 / 528 / 512, ingest→delivered p50 at 500 events/s 678 / 409 / 196 ms against
 * 1,011 / 1,318 / 770.
 */
export function redisDoorbell(options: RedisDoorbellOptions): Doorbell {
  const channel = `${options.prefix}:jobs`;
  const logged = {
    url: options.redisUrl,
    logger: options.logger,
    message: 'redis unavailable; jobs are found by polling',
    ...(options.clock ? { clock: options.clock } : {}),
  };
  // A failed ring or subscription is logged like a failed connection: once an interval, and without the
  // error's command, which after a refused password may be the AUTH holding it.
  const logFailure = redisErrorLog({ ...logged, name: 'doorbell' });
  const connection = (name: string, maxRetriesPerRequest: number | null) =>
    redisConnection({ ...logged, name, options: { maxRetriesPerRequest } });
  // A process's own rings come back to it: its queue woke its own workers already.
  const self = randomUUID();
  let publisher: Redis | null = null;
  let subscriber: Redis | null = null;
  let subscribed: Promise<void> = Promise.resolve();
  const listeners = new Set<() => void>();
  let pending = false;
  let publishing: Promise<unknown> = Promise.resolve();

  function publish(): void {
    pending = false;
    if (!publisher) {
      // Bounded retries: a ring waiting on a dead Redis would only hold up shutdown.
      publisher = connection('doorbell publisher', 1);
    }
    publishing = publisher.publish(channel, self).catch(logFailure);
  }

  return {
    ring() {
      if (pending) return;
      pending = true;
      setImmediate(publish);
    },
    listen(listener) {
      listeners.add(listener);
      if (subscriber) return subscribed;
      subscriber = connection('doorbell subscriber', null);
      subscriber.on('message', (_channel: string, from: string) => {
        if (from === self) return;
        for (const listener of listeners) listener();
      });
      subscribed = subscriber.subscribe(channel).then(() => undefined, logFailure);
      return subscribed;
    },
    async close() {
      if (pending) publish();
      await publishing;
      listeners.clear();
      subscriber?.disconnect();
      subscriber = null;
      publisher?.disconnect();
      publisher = null;
    },
  };
}
