/**
 * Gathers the requests made while one piece of synchronous work runs (until the microtasks queued so far
 * have run) into one call of `load`: the queue starts the jobs of a claim in one loop, so their first
 * statements arrive together, and the statements that follow arrive together again once the first one
 * answered them all. One statement for N rows costs the database and the query builder little more than
 * one for a single row.
 *
 * Requests are told apart by `keyOf`; `load` gets the first request of each key and answers by key. With
 * `exclusive`, a key asked for twice in one batch is answered once: the first caller gets the value and
 * the others undefined, as the second of two compare-and-set claims of one row would find it taken.
 * Otherwise every caller of a key gets the same value. A failed load fails every caller of its batch.
 *
 * With `until: 'immediate'` the batch also takes what arrives in the rest of the event loop's turn (until
 * its check phase): the outcomes of sends, which come back one network read at a time. `flush` runs the
 * batch gathered so far at once, for a caller that knows nothing more will come (nothing else in flight).
 */
export function turnBatch<Q, K, V>(
  keyOf: (request: Q) => K,
  load: (requests: readonly Q[]) => Promise<ReadonlyMap<K, V>>,
  options: { readonly exclusive?: boolean; readonly until?: 'microtasks' | 'immediate' } = {},
): ((request: Q) => Promise<V | undefined>) & { readonly flush: () => void } {
  interface Waiting {
    readonly request: Q;
    readonly answers: ((value: V | undefined) => void)[];
  }
  let pending: Map<K, Waiting> | null = null;
  let failures: ((error: unknown) => void)[] = [];

  function flush(): void {
    const batch = pending!;
    const fail = failures;
    pending = null;
    failures = [];
    load([...batch.values()].map((waiting) => waiting.request)).then(
      (found) => {
        for (const [key, { answers }] of batch) {
          const value = found.get(key);
          for (const [i, answer] of answers.entries()) answer(options.exclusive && i > 0 ? undefined : value);
        }
      },
      (error: unknown) => {
        for (const reject of fail) reject(error);
      },
    );
  }

  const ask = (request: Q) =>
    new Promise<V | undefined>((resolve, reject) => {
      if (!pending) {
        const batch = new Map<K, Waiting>();
        pending = batch;
        // A batch flushed early is not flushed again: a later one waits for its own time.
        const due = () => {
          if (pending === batch) flush();
        };
        if (options.until === 'immediate') setImmediate(due);
        else queueMicrotask(due);
      }
      const key = keyOf(request);
      const waiting = pending.get(key);
      if (waiting) waiting.answers.push(resolve);
      else pending.set(key, { request, answers: [resolve] });
      failures.push(reject);
    });
  return Object.assign(ask, {
    flush: () => {
      if (pending) flush();
    },
  });
}

/** An item's write that failed, told apart from any value a write answers. */
class WriteFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Writes the items asked for in one turn (until its check phase, see {@link turnBatch}) together with
 * `write`, which answers each item's result (`missing` for an item it answers nothing for). A group whose
 * write fails is written again one item at a time, so a bad item fails only its own caller, with its own
 * error. `flush` writes the group gathered so far at once.
 */
export function isolatedWrites<Q, V>(
  write: (group: readonly Q[]) => Promise<ReadonlyMap<Q, V>>,
  missing: V,
): ((item: Q) => Promise<V>) & { readonly flush: () => void } {
  const batch = turnBatch(
    (item: Q) => item,
    async (group): Promise<ReadonlyMap<Q, V | WriteFailure>> => {
      try {
        return await write(group);
      } catch (error) {
        if (group.length === 1) return new Map([[group[0]!, new WriteFailure(error)]]);
        const written = new Map<Q, V | WriteFailure>();
        for (const item of group)
          written.set(
            item,
            await write([item]).then(
              (one) => one.get(item) ?? missing,
              (error: unknown) => new WriteFailure(error),
            ),
          );
        return written;
      }
    },
    { until: 'immediate' },
  );
  const ask = async (item: Q): Promise<V> => {
    const written = await batch(item);
    if (written instanceof WriteFailure) throw written.error;
    return written ?? missing;
  };
  return Object.assign(ask, { flush: batch.flush });
}
