/**
 * The thread side of {@link threadedHttpClient}: runs the outbound client ({@link httpClient}) and
 * answers the requests the main thread sends it, in batches, one message each way per turn.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { type HttpClientOptions, httpClient } from './http-client.js';
import { errorForThread, perTurn, type ThreadAnswer, type ThreadMessage } from './threaded-http-client.js';

const port = parentPort as MessagePort;
const client = httpClient((workerData as { options: HttpClientOptions }).options);
const running = new Map<number, AbortController>();
const answer = perTurn<ThreadAnswer>((batch) => port.postMessage(batch));

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
        answer({ id, error: errorForThread(error) });
      },
    );
  }
});

port.postMessage('ready');
