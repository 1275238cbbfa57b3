/** Largest number of single events one group transaction takes. */
const MAX_GROUP = 256;

/**
 * Group commit for single-event ingest. A commit costs far more than the statements of one event (on
 * SQLite every commit appends the touched pages to the WAL), so events arriving while a transaction runs
 * wait and go into the next one together: one transaction in flight at a time, each holding everything
 * that queued meanwhile. Each caller still gets its own answer; when a group fails, its events are
 * retried one transaction each, so one bad event cannot fail the others.
 */
export function groupCommit<I, O>(runMany: (items: readonly I[]) => Promise<O[]>): (item: I) => Promise<O> {
  const queue: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_GROUP);
      try {
        const results = await runMany(batch.map((entry) => entry.item));
        for (const [i, entry] of batch.entries()) entry.resolve(results[i]!);
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
          continue;
        }
        for (const entry of batch) {
          await runMany([entry.item]).then(
            (results) => entry.resolve(results[0]!),
            (error: unknown) => entry.reject(error),
          );
        }
      }
    }
    running = false;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // Wait one turn of the event loop so requests parsed in the same tick join the first group.
      if (!running) {
        running = true;
        setImmediate(() => void drain());
      }
    });
}
