import type { Clock } from '../clock.js';

/** Options of the per-integration circuit breaker. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  readonly threshold?: number;
  /** How long an open circuit refuses sends before one probe is let through, ms. Default 60 s. */
  readonly coolDownMs?: number;
}

interface CircuitState {
  failures: number;
  openUntil: number;
  /** Until when the probe let through has the endpoint to itself; 0 when none is out. */
  probeUntil: number;
}

/**
 * Stops hammering a dead endpoint: after `threshold` consecutive failures of an integration, sends are
 * held for `coolDownMs`, then a single probe decides whether the circuit closes or stays open; a probe
 * that decides nothing within another `coolDownMs` makes way for the next one.
 * Kept per process: each worker learns on its own, which costs at most `threshold` attempts per worker.
 */
export function circuitBreaker(clock: Clock, options: CircuitBreakerOptions = {}) {
  const threshold = options.threshold ?? 5;
  const coolDownMs = options.coolDownMs ?? 60_000;
  const states = new Map<string, CircuitState>();

  return {
    /** Null when a send may go now; otherwise the time to try again. */
    holdUntil(key: string): number | null {
      const state = states.get(key);
      if (!state || state.failures < threshold) return null;
      const now = clock.now();
      if (now < state.openUntil) return state.openUntil;
      if (now < state.probeUntil) return state.probeUntil;
      // The probe holds the others for one cool-down at most: a probe that never reports back (suppressed
      // before its send, refused for good, its job stopped by an error) must not hold them for ever.
      state.probeUntil = now + coolDownMs;
      return null;
    },
    success(key: string): void {
      states.delete(key);
    },
    failure(key: string): void {
      const state = states.get(key) ?? { failures: 0, openUntil: 0, probeUntil: 0 };
      state.failures += 1;
      state.probeUntil = 0;
      if (state.failures >= threshold) state.openUntil = clock.now() + coolDownMs;
      states.set(key, state);
    },
  };
}

/** A circuit breaker. */
export type CircuitBreaker = ReturnType<typeof circuitBreaker>;
