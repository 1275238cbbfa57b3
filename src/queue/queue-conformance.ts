import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Clock, manualClock } from '../clock.js';
import type { Database } from '../store/schema.js';
import { enqueueJobs, type Queue } from './queue.js';

/** Knobs the suite turns on the queue it is given. */
export interface QueueTestOptions {
  readonly leaseMs?: number;
  readonly concurrency?: number;
}

/** What a queue implementation's test gives the shared suite. */
export interface QueueHarness {
  /** Two connections to one database, as two processes hold: the first is the "api", both work. */
  readonly dbs: readonly [Kysely<Database>, Kysely<Database>];
  /** A new queue on `db`; the suite stops it after each test. */
  create(db: Kysely<Database>, clock: Clock, options?: QueueTestOptions): Queue;
}

/** Resolves with `promise`, or fails naming `what` after `ms`: every wait in the suite is bounded. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A promise with its resolver outside, for "the handler has started" signals (Node 20 lacks `withResolvers`). */
export function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * The suite every queue passes on a real database: only committed jobs run, each job runs once across
 * processes, failures retry with backoff on an injected clock, a dead worker's job is taken over when its
 * lease ends, job ids are idempotent, delayed jobs wait, lost wake-ups are recovered, stop is graceful.
 */
export function queueConformance(name: string, harness: () => QueueHarness): void {
  describe(`${name} queue conformance`, () => {
    const queues: Queue[] = [];
    function queue(db: Kysely<Database>, clock: Clock, options?: QueueTestOptions): Queue {
      const created = harness().create(db, clock, options);
      queues.push(created);
      return created;
    }
    const rows = () => harness().dbs[0].selectFrom('jobs').selectAll().execute();

    afterEach(async () => {
      await Promise.all(queues.splice(0).map((q) => q.stop(0)));
      await harness().dbs[0].deleteFrom('jobs').execute();
    });

    it('runs a job only when the transaction that wrote it committed', async () => {
      const [a] = harness().dbs;
      const clock = manualClock();
      const ran: string[] = [];
      const q = queue(a, clock);
      q.handle('notify', async (job) => {
        ran.push(String(job.payload.name));
      });
      const ids: string[] = [];
      await a
        .transaction()
        .execute(async (trx) => {
          ids.push(
            ...(await enqueueJobs(trx, [{ kind: 'notify', payload: { name: 'rolled back' } }], clock.now())),
          );
          throw new Error('abort');
        })
        .catch(() => undefined);
      await a.transaction().execute(async (trx) => {
        ids.push(...(await enqueueJobs(trx, [{ kind: 'notify', payload: { name: 'kept' } }], clock.now())));
      });
      // A wake-up for the rolled-back id too: it must find nothing to run.
      q.notify(ids);
      await q.drain();
      expect(ran).toEqual(['kept']);
      expect(await rows()).toEqual([]);
    });

    it('runs at most its concurrency of jobs at once, and all of them in the end', async () => {
      const [a] = harness().dbs;
      const clock = manualClock();
      const q = queue(a, clock, { concurrency: 3 });
      let running = 0;
      let most = 0;
      const done: number[] = [];
      const release: (() => void)[] = [];
      const three = signal();
      q.handle('notify', async (job) => {
        running++;
        most = Math.max(most, running);
        if (running === 3) three.resolve();
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
        done.push(Number(job.payload.n));
      });
      const jobs = Array.from({ length: 10 }, (_, n) => ({ kind: 'notify' as const, payload: { n } }));
      q.start();
      q.notify(await enqueueJobs(a, jobs, clock.now()));
      await within(three.promise, 10_000, 'three jobs to start');
      // Held for a while: a fourth job must not start while the three run.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(running).toBe(3);
      // Released as they come, until every job ran.
      await within(
        (async () => {
          while (done.length < 10) {
            for (const go of release.splice(0)) go();
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })(),
        20_000,
        'all ten jobs to run',
      );
      expect(most).toBe(3);
      expect([...done].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('two workers on one database run each of 300 jobs exactly once', async () => {
      const clock = manualClock();
      const runs = new Map<string, number>();
      const all = signal();
      const workers = harness().dbs.map((db) => {
        const q = queue(db, clock, { concurrency: 8 });
        q.handle('notify', async (job) => {
          const key = String(job.payload.n);
          runs.set(key, (runs.get(key) ?? 0) + 1);
          if (runs.size === 300) all.resolve();
          await new Promise((resolve) => setImmediate(resolve));
        });
        return q;
      });
      const jobs = Array.from({ length: 300 }, (_, n) => ({ kind: 'notify' as const, payload: { n } }));
      const ids = await enqueueJobs(harness().dbs[0], jobs, clock.now());
      for (const w of workers) w.start();
      // Both processes hear of every job, as when the writer's ring and a poll both find it.
      for (const w of workers) w.notify(ids);
      await within(all.promise, 20_000, '300 jobs to run');
      await Promise.all(workers.map((w) => w.drain()));
      await Promise.all(workers.map((w) => w.stop()));
      expect(runs.size).toBe(300);
      expect([...runs.values()].filter((count) => count !== 1)).toEqual([]);
      expect(await rows()).toEqual([]);
    });

    it('retries a failing job later, with backoff, until it succeeds', async () => {
      const [a] = harness().dbs;
      const clock = manualClock();
      let calls = 0;
      const q = queue(a, clock);
      q.handle('sweep', async () => {
        calls++;
        if (calls < 3) throw new Error('flaky');
      });
      q.notify(await enqueueJobs(a, [{ kind: 'sweep', payload: {} }], clock.now()));
      await q.drain();
      expect(calls).toBe(1);
      const row = (await rows())[0];
      expect(row?.last_error).toBe('flaky');
      expect(row?.run_at).toBe(clock.now() + 1_000);
      await q.drain();
      expect(calls).toBe(1);
      clock.advance(1_000);
      await q.drain();
      expect(calls).toBe(2);
      clock.advance(1_999);
      await q.drain();
      expect(calls).toBe(2);
      clock.advance(1);
      await q.drain();
      expect(calls).toBe(3);
      expect(await rows()).toEqual([]);
    });

    it('a job whose worker died is taken over when its lease ends', async () => {
      const [a, b] = harness().dbs;
      const clock = manualClock();
      const dying = queue(a, clock, { leaseMs: 30_000 });
      const claimed = signal();
      dying.handle('digest', () => {
        claimed.resolve();
        return new Promise<void>(() => undefined);
      });
      const ids = await enqueueJobs(a, [{ kind: 'digest', payload: { id: 'd1' } }], clock.now());
      dying.start();
      dying.notify(ids);
      await within(claimed.promise, 10_000, 'the first worker to claim the job');
      await dying.stop(0);

      const ran: string[] = [];
      const heir = queue(b, clock);
      heir.handle('digest', async (job) => {
        ran.push(`${job.payload.id}:${job.attempts}`);
      });
      await heir.drain();
      expect(ran).toEqual([]);
      clock.advance(30_001);
      await heir.drain();
      expect(ran).toEqual(['d1:1']);
      expect(await rows()).toEqual([]);
    });

    it('a job that runs long keeps its lease while its worker lives', async () => {
      const [a, b] = harness().dbs;
      const clock = manualClock();
      // Renewed every 100 ms of real time, for 300 ms of the injected clock from the renewal's time.
      const slow = queue(a, clock, { leaseMs: 300 });
      const claimed = signal();
      let finish!: () => void;
      let runs = 0;
      slow.handle('digest', () => {
        runs++;
        claimed.resolve();
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      });
      slow.notify(await enqueueJobs(a, [{ kind: 'digest', payload: {} }], clock.now()));
      slow.start();
      await within(claimed.promise, 10_000, 'the worker to claim the job');
      const other = queue(b, clock);
      other.handle('digest', async () => {
        runs++;
      });
      // Past the first lease, but renewed meanwhile: the other worker finds nothing to take.
      clock.advance(250);
      const renewed = async (): Promise<void> => {
        while ((await rows())[0]?.locked_until !== clock.now() + 300)
          await new Promise((resolve) => setTimeout(resolve, 20));
      };
      await within(renewed(), 10_000, 'the lease to be renewed');
      clock.advance(100);
      await other.drain();
      expect(runs).toBe(1);
      finish();
      await slow.stop();
      expect(runs).toBe(1);
    });

    it('a job id makes enqueueing and waking idempotent', async () => {
      const [a] = harness().dbs;
      const clock = manualClock();
      const seen: unknown[] = [];
      const q = queue(a, clock);
      q.handle('notify', async (job) => {
        seen.push(job.payload.v);
      });
      // Ids as the pipeline writes them: derived from the rows they act on, with separators and digits.
      for (const id of ['evaluate:evt_1', '42']) {
        q.notify(await enqueueJobs(a, [{ id, kind: 'notify', payload: { v: `${id}/1` } }], clock.now()));
        q.notify(await enqueueJobs(a, [{ id, kind: 'notify', payload: { v: `${id}/2` } }], clock.now()));
      }
      expect((await rows()).map((r) => JSON.parse(r.payload).v).sort()).toEqual(['42/1', 'evaluate:evt_1/1']);
      await q.drain();
      expect(seen.sort()).toEqual(['42/1', 'evaluate:evt_1/1']);
    });

    it('a delayed job runs when it is due, not before', async () => {
      const [a] = harness().dbs;
      const clock = manualClock();
      const ran: number[] = [];
      const q = queue(a, clock);
      q.handle('digest', async () => {
        ran.push(clock.now());
      });
      const dueAt = clock.now() + 60_000;
      q.notify(await enqueueJobs(a, [{ kind: 'digest', payload: {}, runAt: dueAt }], clock.now()));
      await q.drain();
      clock.advance(59_999);
      await q.drain();
      expect(ran).toEqual([]);
      clock.advance(1);
      await q.drain();
      expect(ran).toEqual([dueAt]);
    });

    it('a job committed but never announced (crash before the wake-up) still runs, once', async () => {
      const [a] = harness().dbs;
      const clock = manualClock();
      const runs: string[] = [];
      const ran = signal();
      const q = queue(a, clock);
      q.handle('notify', async (job) => {
        runs.push(job.id);
        ran.resolve();
      });
      await enqueueJobs(a, [{ kind: 'notify', payload: {} }], clock.now());
      clock.advance(60_000);
      q.start();
      await within(ran.promise, 10_000, 'the unannounced job to run');
      await q.drain();
      expect(runs).toHaveLength(1);
      expect(await rows()).toEqual([]);
    });

    it('tells the share of its job slots in use', async () => {
      const [a] = harness().dbs;
      const clock = manualClock();
      const q = queue(a, clock, { concurrency: 4 });
      const started = [signal(), signal()];
      const release = signal();
      let next = 0;
      q.handle('deliver', async () => {
        started[next++]!.resolve();
        await release.promise;
      });
      expect(q.saturation()).toBe(0);
      const ids = await enqueueJobs(
        a,
        [
          { kind: 'deliver', payload: { n: 0 } },
          { kind: 'deliver', payload: { n: 1 } },
        ],
        clock.now(),
      );
      q.start();
      q.notify(ids);
      await within(Promise.all(started.map((s) => s.promise)), 10_000, 'both jobs to start');
      expect(q.saturation()).toBe(0.5);
      release.resolve();
      await within(q.drain(), 10_000, 'the queue to drain');
      expect(q.saturation()).toBe(0);
    });

    it('deletes the rows of finished jobs by the time it has drained or stopped', async () => {
      const [a] = harness().dbs;
      const clock = manualClock();
      const q = queue(a, clock, { concurrency: 2 });
      const ran: number[] = [];
      q.handle('deliver', async (job) => {
        ran.push(Number(job.payload.n));
      });
      const ids = await enqueueJobs(
        a,
        Array.from({ length: 20 }, (_, n) => ({ kind: 'deliver' as const, payload: { n } })),
        clock.now(),
      );
      q.start();
      q.notify(ids);
      await within(q.drain(), 10_000, 'the queue to drain');
      expect(ran.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, n) => n));
      expect(await rows()).toEqual([]);
      const more = await enqueueJobs(a, [{ kind: 'deliver', payload: { n: 20 } }], clock.now());
      q.notify(more);
      await within(
        (async () => {
          while (!ran.includes(20)) await new Promise((resolve) => setTimeout(resolve, 5));
        })(),
        10_000,
        'the last job to run',
      );
      await q.stop(5_000);
      expect(await rows()).toEqual([]);
    });

    it('stop lets running jobs finish within the grace period', async () => {
      const [a] = harness().dbs;
      const clock = manualClock();
      const started = signal();
      let finished = false;
      const q = queue(a, clock);
      q.handle('deliver', async () => {
        started.resolve();
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished = true;
      });
      const ids = await enqueueJobs(a, [{ kind: 'deliver', payload: {} }], clock.now());
      q.start();
      q.notify(ids);
      await within(started.promise, 10_000, 'the job to start');
      await q.stop(5_000);
      expect(finished).toBe(true);
      expect(await rows()).toEqual([]);
    });
  });
}
