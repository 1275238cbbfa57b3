/**
 * Keys of rows this process wrote and saw committed, the least recently written forgotten first once
 * there are `limit`: ingest skips writing a row again that it knows exists (an insert that would change
 * nothing). Only rows that are never deleted while they can be written again may be remembered: rows
 * removed with their issue (whose id is never used again), or by retention long after their key stopped
 * being written. A key not remembered (written by another process, or forgotten) is written as before.
 */
export function storedKeys(limit: number) {
  const keys = new Set<string>();
  return {
    has: (key: string) => keys.has(key),
    /** Call only once the transaction that wrote them committed: rolled-back rows do not exist. */
    add(written: Iterable<string>): void {
      for (const key of written) {
        keys.delete(key);
        keys.add(key);
        if (keys.size > limit) keys.delete(keys.values().next().value as string);
      }
    },
  };
}

/** A set of {@link storedKeys}. */
export type StoredKeys = ReturnType<typeof storedKeys>;
