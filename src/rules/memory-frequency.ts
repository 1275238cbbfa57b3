import type { HeraldEvent } from '../events/event.js';
import type { FrequencyReader } from './condition.js';
import { userIdentity } from './event-view.js';

/** A {@link FrequencyReader} over events kept in memory; for previews over past events and for tests. */
export interface MemoryFrequency extends FrequencyReader {
  /** Counts one event of an issue at `at` (default: the event's own timestamp). */
  record(issueId: string, event: HeraldEvent, at?: number): void;
}

interface Entry {
  readonly at: number;
  readonly environment: string | null;
  readonly user: string | null;
}

/** Creates an empty in-memory counter; entries stay sorted by time so a window is two binary searches. */
export function memoryFrequency(): MemoryFrequency {
  const issues = new Map<string, Entry[]>();
  return {
    record(issueId, event, at = event.timestamp) {
      let entries = issues.get(issueId);
      if (entries === undefined) {
        entries = [];
        issues.set(issueId, entries);
      }
      entries.splice(firstAtOrAfter(entries, at + 1), 0, {
        at,
        environment: event.environment,
        user: userIdentity(event),
      });
    },
    async count({ issueId, kind, from, to, environment }) {
      const entries = issues.get(issueId) ?? [];
      const users = new Set<string>();
      let events = 0;
      for (let i = firstAtOrAfter(entries, from); i < entries.length; i++) {
        const entry = entries[i]!;
        if (entry.at >= to) break;
        if (environment !== undefined && entry.environment !== environment) continue;
        events++;
        if (entry.user !== null) users.add(entry.user);
      }
      return kind === 'events' ? events : users.size;
    },
  };
}

function firstAtOrAfter(entries: readonly Entry[], at: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (entries[mid]!.at < at) low = mid + 1;
    else high = mid;
  }
  return low;
}
