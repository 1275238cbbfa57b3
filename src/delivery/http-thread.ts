/**
 * The thread side of {@link threadedHttpClient}: runs the outbound client ({@link httpClient}) and
 * answers the requests the main thread sends it, in batches, one message each way per turn.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { PermanentDeliveryError, TransientDeliveryError } from './channel.js';
import { type HttpClientOptions, httpClient } from './http-client.js';
import type { ThreadAnswer, ThreadMessage } from './threaded-http-client.js';

const port = parentPort as MessagePort;
const client = httpClient((workerData as { options: HttpClientOptions }).options);
const running = new Map<number, AbortController>();
let answers: ThreadAnswer[] = [];

function answer(reply: ThreadAnswer): void {
  if (answers.length === 0) setImmediate(flush);
  answers.push(reply);
}

function flush(): void {
  const batch = answers;
  answers = [];
  port.postMessage(batch);
}

/** A failure as plain data: the main thread makes the same delivery error of it. */
function failure(id: number, error: unknown): ThreadAnswer {
  if (error instanceof PermanentDeliveryError) {
    return {
      id,
      error: {
        kind: 'permanent',
        message: error.message,
        code: error.code,
        fatal: error.fatal,
        disableTarget: error.disableTarget,
      },
    };
  }
  if (error instanceof TransientDeliveryError) {
    return {
      id,
      error: {
        kind: 'transient',
        message: error.message,
        code: error.code,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      },
    };
  }
  return { id, error: { kind: 'transient', message: String(error), code: 'error' } };
}

port.on('message', (batch: ThreadMessage[]) => {
  for (const message of batch) {
    if (message.abort) {
      running.get(message.id)?.abort();
      continue;
    }
    const { id, request } = message;
    const controller = new AbortController();
    running.set(id, controller);
    client.request({ ...request, signal: controller.signal }).then(
      (response) => {
        running.delete(id);
        // A copy of its own: a chunk of undici's may be a view of a larger buffer, all of which would be
        // cloned.
        answer({
          id,
          status: response.status,
          headers: response.headers,
          body: new Uint8Array(response.body),
        });
      },
      (error: unknown) => {
        running.delete(id);
        answer(failure(id, error));
      },
    );
  }
});

port.postMessage('ready');
