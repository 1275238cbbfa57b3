/**
 * Runs `send` with a signal that aborts after `ms` with a `TimeoutError`, as `AbortSignal.timeout(ms)`
 * would, but clears its timer as soon as the send ends: a burst of sends would otherwise leave one live
 * timer per send for the whole timeout, tens of thousands of them.
 */
export async function withTimeout<T>(ms: number, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  // Like AbortSignal.timeout's, this timer alone does not keep the process running.
  timer.unref();
  try {
    return await send(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
