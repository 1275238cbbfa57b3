/**
 * The outbound HTTP thread: the ordinary {@link httpClient} (undici pools, the SSRF guard as their DNS
 * lookup, the whole-request timeout) run on a worker thread for {@link threadedHttpClient}. It answers
 * each request message with one response message; an abort message stops a request in flight.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { httpClient } from './http-client.js';
import type { ThreadAnswer, ThreadError, ThreadMessage, ThreadOptions } from './threaded-http-client.js';

const port = parentPort;
if (!port) throw new Error('http-thread.ts runs on a worker thread');
const client = httpClient((workerData as { options: ThreadOptions }).options);
const inFlight = new Map<number, AbortController>();

port.on('message', (message: ThreadMessage) => {
  if (message.type === 'abort') {
    inFlight.get(message.id)?.abort();
    return;
  }
  if (message.type === 'close') {
    client.close();
    port.close();
    return;
  }
  const { id, request } = message;
  const controller = new AbortController();
  inFlight.set(id, controller);
  client
    .request({ ...request, signal: controller.signal })
    .then(
      (response): ThreadAnswer => ({
        id,
        ok: true,
        status: response.status,
        headers: response.headers,
        body: response.body,
      }),
      (error: unknown): ThreadAnswer => ({ id, ok: false, error: describeError(error) }),
    )
    .then((reply) => {
      inFlight.delete(id);
      port.postMessage(reply);
    });
});

/** What the calling thread needs to throw the same error again (see `reviveError`). */
function describeError(error: unknown): ThreadError {
  const { name, message, code, fatal, disableTarget, retryAfterMs } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as Record<string, unknown>;
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
    fatal: fatal === true,
    disableTarget: disableTarget === true,
    ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
  };
}

port.postMessage({ ready: true });
