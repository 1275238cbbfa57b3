/** Largest number of single events one group transaction takes. */
const MAX_GROUP = 256;
/**
 * Group transactions under way at once. While one waits for its COMMIT (on SQLite, which spaces COMMITs
 * that come back to back: see store/sqlite-group-commit.ts), the next runs and joins the same COMMIT,
 * instead of waiting for that COMMIT and then for its own.
 */
const IN_FLIGHT = 2;

/**
 * Group commit for single-event ingest. A commit costs far more than the statements of one event (on
 * SQLite every commit appends the touched pages to the WAL), so events arriving while a transaction runs
 * wait and go into the next one together: at most IN_FLIGHT transactions under way at a time, each
 * holding everything that queued meanwhile. Each caller still gets its own answer; when a group fails,
 * its events are retried one transaction each, so one bad event cannot fail the others.
 */
export function groupCommit<I, O>(runMany: (items: readonly I[]) => Promise<O[]>): (item: I) => Promise<O> {
  const queue: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  let running = 0;
  let scheduled = false;

  /** Starts a group on the next turn, so requests parsed in the same tick join it, if a slot is free. */
  function schedule(): void {
    if (scheduled || running >= IN_FLIGHT || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void runGroup();
    });
  }

  async function runGroup(): Promise<void> {
    if (running >= IN_FLIGHT || queue.length === 0) return;
    running++;
    const batch = queue.splice(0, MAX_GROUP);
    try {
      const results = await runMany(batch.map((entry) => entry.item));
      for (const [i, entry] of batch.entries()) entry.resolve(results[i]!);
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else
        for (const entry of batch) {
          await runMany([entry.item]).then(
            (results) => entry.resolve(results[0]!),
            (error: unknown) => entry.reject(error),
          );
        }
    } finally {
      running--;
      schedule();
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      schedule();
    });
}
