import { TransientDeliveryError } from './channel.js';

/**
 * Rejects with a transient `aborted` error when `signal` aborts, for provider libraries that take no
 * signal (nodemailer, web-push). The library's own call runs on and ends by its own timeout, so the
 * provider may still accept the message; the stable message ids let it drop the retry's duplicate.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  const aborted = () => new TransientDeliveryError('Send aborted', { code: 'aborted' });
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(aborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
