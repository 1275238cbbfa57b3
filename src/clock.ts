/** A source of the current time in epoch milliseconds; injected so time-based behaviour is testable. */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for timeline tests. */
export interface ManualClock extends Clock {
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Sets the clock to an absolute epoch-ms time. */
  set(ms: number): void;
}

/** Creates a manual clock starting at `start` (epoch ms or ISO string). */
export function manualClock(start: number | string = '2026-01-01T00:00:00Z'): ManualClock {
  let t = typeof start === 'number' ? start : Date.parse(start);
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = ms;
    },
  };
}
