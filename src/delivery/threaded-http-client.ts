import type { IncomingHttpHeaders } from 'node:http';
import { Worker } from 'node:worker_threads';
import { PermanentDeliveryError, TransientDeliveryError } from './channel.js';
import {
  bufferedResponse,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  httpClient,
  jsonRequest,
  outboundUrl,
} from './http-client.js';

/** The options the thread builds its client with (all of {@link HttpClientOptions} can be copied). */
export type ThreadOptions = HttpClientOptions;

/** What the calling thread sends: a request (without its signal), an abort of one, or the end. */
export type ThreadMessage =
  | { readonly type: 'request'; readonly id: number; readonly request: Omit<HttpRequest, 'signal'> }
  | { readonly type: 'abort'; readonly id: number }
  | { readonly type: 'close' };

/** A failure as the thread saw it, enough to throw the same error on the calling thread. */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly fatal: boolean;
  readonly disableTarget: boolean;
  readonly retryAfterMs?: number;
}

/** The thread's answer to one request. */
export type ThreadAnswer =
  | {
      readonly id: number;
      readonly ok: true;
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: Uint8Array;
    }
  | { readonly id: number; readonly ok: false; readonly error: ThreadError };

/** Loads the thread's TypeScript module through tsx, as bin/herald.js loads the rest. */
const BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.loader).then(({ register }) => { register(); return import(workerData.module); });
`;

interface Pending {
  readonly resolve: (response: HttpResponse) => void;
  readonly reject: (error: Error) => void;
  readonly request: HttpRequest;
  readonly cleanup: () => void;
}

/** The error the thread's client threw, thrown again here. */
function reviveError(error: ThreadError): Error {
  if (error.name === 'PermanentDeliveryError')
    return new PermanentDeliveryError(error.message, {
      code: error.code ?? 'error',
      fatal: error.fatal,
      disableTarget: error.disableTarget,
    });
  if (error.name === 'TransientDeliveryError')
    return new TransientDeliveryError(error.message, {
      code: error.code ?? 'network_error',
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  return Object.assign(new Error(error.message), { name: error.name, code: error.code });
}

/**
 * The outbound HTTP client of {@link httpClient}, sending from a worker thread. The process's main
 * thread runs every other stage of the pipeline and is what limits it; the connection pools, request
 * building, response parsing and timers of the sends move to another core, and the main thread pays one
 * message each way (about 8 µs a request, against 22 µs for a send on loopback HTTP; over TLS, as real
 * providers answer, encryption comes on top). Measured with `npx tsx bench/pipeline.ts` (main thread
 * µs/event): single events at 800/s 1,048 → 966 µs an event; the delivery stage alone (`--replay`)
 * 173 → 124–129 µs a delivery. On a 2-core host where the load generator and the receiving sink use the
 * second core too, `npm run bench`'s throughputs stayed within their noise.
 *
 * Same contract and same errors: the URL is checked here before anything is sent; the thread's client
 * applies the SSRF guard to every address it connects to and the whole-request timeout; an abort of the
 * caller's signal stops the request there. A thread that cannot start leaves the sends to an ordinary
 * client on this thread. A thread that dies fails what it had in flight as transient (a request may have
 * reached the peer: the delivery is retried with the same idempotency key, never sent twice here) and
 * the next request starts a new one. `onError` hears why a thread stopped.
 */
export function threadedHttpClient(
  options: HttpClientOptions = {},
  onError?: (error: unknown) => void,
): HttpClient {
  // The thread's client only: for the HTTPS agent libraries take, and for sends when no thread can run.
  const local = httpClient(options);
  const pending = new Map<number, Pending>();
  let worker: Worker | null = null;
  let ready = false;
  let unavailable = false;
  let closed = false;
  let nextId = 0;

  function start(): Worker {
    const thread = new Worker(BOOT, {
      eval: true,
      workerData: {
        loader: import.meta.resolve('tsx/esm/api'),
        module: new URL('./http-thread.ts', import.meta.url).href,
        options,
      },
    });
    ready = false;
    thread.on('message', (message: ThreadAnswer | { ready: true }) => {
      if ('ready' in message) {
        ready = true;
        return;
      }
      const entry = pending.get(message.id);
      if (!entry) return;
      settle(message.id, entry);
      if (message.ok) {
        const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
        entry.resolve(bufferedResponse(message.status, message.headers, body));
      } else {
        entry.reject(reviveError(message.error));
      }
    });
    thread.on('error', (error) => onError?.(error));
    thread.on('exit', () => {
      if (worker !== thread) return;
      worker = null;
      const started = ready;
      // Never loaded: nothing was sent, and this thread sends instead from now on.
      if (!started) unavailable = true;
      for (const [id, entry] of [...pending]) {
        settle(id, entry);
        if (started) {
          const origin = new URL(entry.request.url).origin;
          entry.reject(
            new TransientDeliveryError(`${origin}: the HTTP thread stopped before the answer`, {
              code: 'network_error',
            }),
          );
        } else {
          local.request(entry.request).then(entry.resolve, entry.reject);
        }
      }
    });
    thread.unref();
    return thread;
  }

  function settle(id: number, entry: Pending): void {
    pending.delete(id);
    entry.cleanup();
    if (pending.size === 0) worker?.unref();
  }

  function request(req: HttpRequest): Promise<HttpResponse> {
    if (closed || unavailable) return local.request(req);
    let url: URL;
    try {
      url = outboundUrl(req.url, options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (req.signal?.aborted)
      return Promise.reject(new TransientDeliveryError(`${url.origin}: aborted`, { code: 'aborted' }));
    worker ??= start();
    const thread = worker;
    const id = ++nextId;
    const { signal, ...message } = req;
    return new Promise<HttpResponse>((resolve, reject) => {
      const onAbort = () => thread.postMessage({ type: 'abort', id } satisfies ThreadMessage);
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(id, {
        resolve,
        reject,
        request: req,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      if (pending.size === 1) thread.ref();
      thread.postMessage({
        type: 'request',
        id,
        request: { ...message, url: url.href },
      } satisfies ThreadMessage);
    });
  }

  return {
    request,
    postJson: (url, value, init) => request(jsonRequest(url, value, init)),
    get httpsAgent() {
      return local.httpsAgent;
    },
    assertLiteralHost: (url) => local.assertLiteralHost(url),
    close() {
      closed = true;
      const thread = worker;
      worker = null;
      for (const [id, entry] of [...pending]) {
        settle(id, entry);
        entry.reject(new TransientDeliveryError('the HTTP client was closed', { code: 'aborted' }));
      }
      if (thread) {
        thread.postMessage({ type: 'close' } satisfies ThreadMessage);
        void thread.terminate();
      }
      local.close();
    },
  };
}
