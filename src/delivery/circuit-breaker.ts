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
  probing: boolean;
}

/**
 * Stops hammering a dead endpoint: after `threshold` consecutive failures of an integration, sends are
 * held for `coolDownMs`, then a single probe decides whether the circuit closes or stays open.
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
      if (state.probing) return now + coolDownMs;
      state.probing = true;
      return null;
    },
    success(key: string): void {
      states.delete(key);
    },
    failure(key: string): void {
      const state = states.get(key) ?? { failures: 0, openUntil: 0, probing: false };
      state.failures += 1;
      state.probing = false;
      if (state.failures >= threshold) state.openUntil = clock.now() + coolDownMs;
      states.set(key, state);
    },
  };
}

/** A circuit breaker. */
export type CircuitBreaker = ReturnType<typeof circuitBreaker>;
