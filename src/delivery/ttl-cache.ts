/** A lookup whose answers are kept for a short while, keyed by a string. */
export interface TtlCache<T> {
  /** The kept answer for `key`, or a fresh one from `load`; a rejected load is not kept. */
  get(key: string, load: () => Promise<T>): Promise<T>;
  /**
   * The kept answer for `key` only when it has already arrived (a load still running is not waited on),
   * else undefined; nothing is loaded.
   */
  peek(key: string): { readonly value: T } | undefined;
  /** Forgets `key`, so the next `get` loads again. */
  delete(key: string): void;
  /** Forgets every key that starts with `prefix`. */
  deletePrefix(prefix: string): void;
}

/**
 * A tiny map of promises that expire `ttlMs` after they were made, measured on the wall clock (not the
 * engine's clock: a cache is not business logic, and an injected clock that stands still must not keep
 * an entry forever). Keeping the promise means concurrent lookups of one key share one load. Expired
 * entries are swept when the map grows past `maxEntries`.
 */
export function ttlCache<T>(ttlMs: number, maxEntries = 1_000): TtlCache<T> {
  interface Entry {
    readonly value: Promise<T>;
    readonly expires: number;
    /** Set once `value` has resolved. */
    arrived?: { readonly value: T };
  }
  const entries = new Map<string, Entry>();

  function sweep(now: number): void {
    for (const [key, entry] of entries) if (entry.expires <= now) entries.delete(key);
    if (entries.size >= maxEntries) entries.clear();
  }

  return {
    get(key, load) {
      const now = performance.now();
      const hit = entries.get(key);
      if (hit && hit.expires > now) return hit.value;
      if (entries.size >= maxEntries) sweep(now);
      const value = load();
      const entry: Entry = { value, expires: now + ttlMs };
      entries.set(key, entry);
      value.then(
        (arrived) => {
          entry.arrived = { value: arrived };
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return value;
    },
    peek(key) {
      const hit = entries.get(key);
      return hit && hit.expires > performance.now() ? hit.arrived : undefined;
    },
    delete(key) {
      entries.delete(key);
    },
    deletePrefix(prefix) {
      for (const key of entries.keys()) if (key.startsWith(prefix)) entries.delete(key);
    },
  };
}
