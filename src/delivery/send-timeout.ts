import { setMaxListeners } from 'node:events';

/** A signal shared by the sends that started within one slice of time, and its timer. */
interface Deadline {
  readonly controller: AbortController;
  readonly timer: NodeJS.Timeout;
  /** Sends of the slice still running: at zero the timer is cleared and the deadline dropped. */
  running: number;
}

/** Deadlines by timeout and slice (`${ms}:${slice}`). */
const deadlines = new Map<string, Deadline>();

/**
 * Runs `send` with a signal that aborts with a `TimeoutError`, as `AbortSignal.timeout(ms)` would, once
 * `ms` (and at most a hundredth more, 100 ms at most) has passed since it started.
 *
 * Sends that start within the same slice of a hundredth of `ms` share one signal and one timer, which
 * fires `ms` after the slice ends: a burst of sends made an AbortController, a signal and a timer each
 * (a tenth of the send's own cost in the HTTP client), and one live timer per send for the whole
 * timeout had they not been cleared. The timer is cleared as soon as the last send of its slice ended,
 * so nothing is left behind.
 */
export async function withTimeout<T>(ms: number, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const slack = Math.max(1, Math.min(100, Math.floor(ms / 100)));
  // The monotonic clock: a wall clock set back must not make a send join a deadline already half gone.
  const slice = Math.floor(performance.now() / slack);
  const key = `${ms}:${slice}`;
  let deadline = deadlines.get(key);
  if (!deadline) {
    const controller = new AbortController();
    // Every running send of the slice listens to it: many listeners are expected, not a leak.
    setMaxListeners(0, controller.signal);
    const timer = setTimeout(
      () => {
        deadlines.delete(key);
        controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      },
      (slice + 1) * slack + ms - performance.now(),
    );
    // Like AbortSignal.timeout's, this timer alone does not keep the process running.
    timer.unref();
    deadline = { controller, timer, running: 0 };
    deadlines.set(key, deadline);
  }
  deadline.running++;
  try {
    return await send(deadline.controller.signal);
  } finally {
    if (--deadline.running === 0 && deadlines.get(key) === deadline) {
      clearTimeout(deadline.timer);
      deadlines.delete(key);
    }
  }
}
