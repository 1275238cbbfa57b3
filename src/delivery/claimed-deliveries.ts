import type { DeliveryTable } from '../store/schema.js';

/**
 * Deliveries a stage wrote already claimed for their first send (`asClaimed` in
 * delivery-statements.ts: as the delivery stage's own claim would leave them) and handed to this process's worker with their job: the
 * delivery stage takes the row from here instead of claiming it with another write. A row not found here
 * (the process restarted, another worker took the job over) is claimed as usual; being `sending`, it is
 * taken over once its lease ends, or at once by a restarted embedded process.
 */
export interface ClaimedDeliveries {
  /** Remembers a row written claimed, once its transaction committed. */
  put(row: DeliveryTable): void;
  /** The row written claimed for this delivery, once. */
  take(id: string): DeliveryTable | undefined;
}

/** Remembers at most `limit` rows (the oldest forgotten first): a job always takes its row at once. */
export function claimedDeliveries(limit = 10_000): ClaimedDeliveries {
  const rows = new Map<string, DeliveryTable>();
  return {
    put(row) {
      if (rows.size >= limit) rows.delete(rows.keys().next().value as string);
      rows.set(row.id, row);
    },
    take(id) {
      const row = rows.get(id);
      if (row) rows.delete(id);
      return row;
    },
  };
}
