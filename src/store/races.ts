/**
 * Whether PostgreSQL aborted the transaction to settle a race with another one: a deadlock (40P01) or a
 * serialization failure (40001). Run again, the transaction sees what the other one committed.
 */
export function abortedByRace(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return code === '40P01' || code === '40001';
}

/**
 * Runs `transaction` again when PostgreSQL aborted it to settle a race (at most `attempts` runs in all).
 * Only for transactions whose writes are compare-and-set or idempotent, so a run again decides anew
 * from what the winner committed.
 */
export async function retryingRaces<T>(transaction: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= attempts || !abortedByRace(error)) throw error;
    }
  }
}
