import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { safeOrigin } from './address-guard.js';
import { PermanentDeliveryError, TransientDeliveryError } from './channel.js';
import {
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  httpClient,
  jsonRequest,
  response,
} from './http-client.js';

/** A request as it crosses to the thread: the caller's signal stays here, the rest is plain data. */
export type ThreadMessage =
  | { readonly id: number; readonly abort?: undefined; readonly request: Omit<HttpRequest, 'signal'> }
  | { readonly id: number; readonly abort: true };

/** The thread's answer to one request. */
export type ThreadAnswer =
  | {
      readonly id: number;
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: Uint8Array;
      readonly error?: undefined;
    }
  | { readonly id: number; readonly error: ThreadError };

/** A delivery error as plain data, as it crosses from the thread. */
export interface ThreadError {
  readonly kind: 'permanent' | 'transient';
  readonly message: string;
  readonly code: string;
  readonly fatal?: boolean;
  readonly disableTarget?: boolean;
  readonly retryAfterMs?: number;
}

/** The thread's side of {@link errorFromThread}: a request's failure as plain data. */
export function errorForThread(error: unknown): ThreadError {
  if (error instanceof PermanentDeliveryError) {
    const { message, code, fatal, disableTarget } = error;
    return { kind: 'permanent', message, code, fatal, disableTarget };
  }
  if (error instanceof TransientDeliveryError) {
    const { message, code, retryAfterMs } = error;
    return { kind: 'transient', message, code, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { kind: 'transient', message: String(error), code: 'error' };
}

/** The same delivery error again on this side. */
function errorFromThread({ kind, message, ...rest }: ThreadError): Error {
  return kind === 'permanent'
    ? new PermanentDeliveryError(message, rest)
    : new TransientDeliveryError(message, rest);
}

/**
 * Gathers what is posted in one turn of the event loop and sends it as one message at its end (its
 * check phase): each side of the thread sends one message a turn, whatever it carries.
 */
export function perTurn<T>(send: (batch: T[]) => void): (item: T) => void {
  let batch: T[] = [];
  const flush = () => {
    const sent = batch;
    batch = [];
    send(sent);
  };
  return (item) => {
    if (batch.length === 0) setImmediate(flush);
    batch.push(item);
  };
}

/** Loads the TypeScript thread module in a worker, as bin/herald.js loads the sources. */
const BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((tsx) => { tsx.register(); return import(workerData.module); });
`;

interface Pending {
  readonly url: string;
  readonly resolve: (value: HttpResponse) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

/** Requests in flight from which further ones are sent from the thread (see threadedHttpClient). */
const THREAD_FROM = 32;

/** Options of {@link threadedHttpClient}. */
export interface ThreadedHttpClientOptions extends HttpClientOptions {
  /** Requests in flight from which further ones go to the thread. Default 32; 0: every one. */
  readonly threadFrom?: number;
  /** The thread's module (tests give one that fails). */
  readonly threadModule?: URL;
}

/** The client, and a way to wait for its thread. */
export interface ThreadedHttpClient extends HttpClient {
  /** Starts the thread if it is not; true once it takes requests, false when it could not start. */
  threadReady(): Promise<boolean>;
}

/**
 * The outbound HTTP client, with its work moved to a thread of its own when many requests are in flight.
 * The same client ({@link httpClient}) runs on both sides. While fewer than `threadFrom` requests are in
 * flight (a steady stream: a few at a time), they are sent from the calling thread, where a send costs
 * least time end to end. From that many on (a burst, a replay, a batch of alerts) further requests go to
 * the thread, where their sockets, parsing and timers no longer take the event loop that runs the
 * pipeline; each costs it only its share of the two messages a turn that carry every request of that
 * turn and their answers. On the 2-core machines Herald is measured on, the event loop is what bounds
 * deliveries per second in a burst, and the second core had time to spare: the delivery stage alone
 * (bench/pipeline.ts --replay) spent 10–14% less of the event loop a delivery, for 2–11% more
 * deliveries a second. A steady stream stays on the event loop because there the hop cost more than it
 * saved: sent through the thread, 1,000 events/s had an ingest→delivered p99 of 32–79 ms against
 * 23–59 ms in alternated runs.
 *
 * The thread starts with the first request, and takes requests once it said it is ready; until then
 * they are sent from here. A thread that stops (it crashed, or the client closed) fails the requests it
 * held as transient errors, so their deliveries are retried, and later requests are sent from here.
 */
export function threadedHttpClient(options: ThreadedHttpClientOptions = {}): ThreadedHttpClient {
  const { threadFrom = THREAD_FROM, threadModule, ...clientOptions } = options;
  const local = httpClient(clientOptions);
  const pending = new Map<number, Pending>();
  let localInFlight = 0;
  let nextId = 1;
  // undefined until the first request (a process that sends nothing, an API process, starts none);
  // null once it stopped or the client closed.
  let worker: Worker | null | undefined;
  let ready = false;
  let readyWaiters: ((ready: boolean) => void)[] = [];

  // After `stopped`, a batch still on its way is dropped with the thread.
  const post = perTurn<ThreadMessage>((batch) => worker?.postMessage(batch));
  const settle = (id: number): Pending | undefined => {
    const entry = pending.get(id);
    if (!entry) return undefined;
    pending.delete(id);
    // The thread keeps the process alive only while it holds a request, as a socket would.
    if (pending.size === 0) worker?.unref();
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    return entry;
  };
  const tellReady = (value: boolean) => {
    const waiters = readyWaiters;
    readyWaiters = [];
    for (const waiter of waiters) waiter(value);
  };
  const answered = (answers: ThreadAnswer[] | 'ready') => {
    if (answers === 'ready') {
      ready = true;
      return tellReady(true);
    }
    for (const answer of answers) {
      const entry = settle(answer.id);
      if (!entry) continue;
      if (answer.error) entry.reject(errorFromThread(answer.error));
      else {
        const body = Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
        entry.resolve(response(answer.status, answer.headers, body));
      }
    }
  };
  const stopped = (reason: string) => {
    worker = null;
    ready = false;
    tellReady(false);
    for (const id of [...pending.keys()]) {
      const entry = settle(id);
      entry?.reject(new TransientDeliveryError(`${safeOrigin(entry.url)}: ${reason}`, { code: 'error' }));
    }
  };
  const start = () => {
    if (worker !== undefined) return;
    const require = createRequire(import.meta.url);
    const thread = new Worker(BOOT, {
      eval: true,
      workerData: {
        tsx: pathToFileURL(require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href,
        module: (threadModule ?? new URL('./http-thread.ts', import.meta.url)).href,
        options: clientOptions,
      },
    });
    thread.unref();
    thread.on('message', answered);
    thread.on('error', (error) => {
      if (worker === thread) stopped(`HTTP thread failed: ${error.message}`);
    });
    thread.on('exit', () => {
      if (worker === thread) stopped('HTTP thread stopped');
    });
    worker = thread;
  };

  function sendHere(req: HttpRequest): Promise<HttpResponse> {
    localInFlight++;
    const done = () => {
      localInFlight--;
    };
    const sent = local.request(req);
    sent.then(done, done);
    return sent;
  }

  function request(req: HttpRequest): Promise<HttpResponse> {
    // Started by the first request, so that it is ready before a burst needs it: starting costs about
    // 0.3 s of CPU, which in the middle of a steady stream was a stall of its own.
    start();
    if (!ready || pending.size + localInFlight < threadFrom || req.signal?.aborted) return sendHere(req);
    const { signal, ...rest } = req;
    const url = String(req.url);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = signal
        ? () => {
            if (!settle(id)) return;
            post({ id, abort: true });
            reject(new TransientDeliveryError(`${safeOrigin(url)}: aborted`, { code: 'aborted' }));
          }
        : undefined;
      if (onAbort) signal?.addEventListener('abort', onAbort, { once: true });
      if (pending.size === 0) worker?.ref();
      pending.set(id, { url, resolve, reject, signal, onAbort });
      post({ id, request: { ...rest, url } });
    });
  }

  return {
    request,
    postJson: (url, value, init) => request(jsonRequest(url, value, init)),
    get httpsAgent() {
      return local.httpsAgent;
    },
    assertLiteralHost: (url) => local.assertLiteralHost(url),
    threadReady() {
      start();
      if (ready) return Promise.resolve(true);
      if (worker === null) return Promise.resolve(false);
      return new Promise((resolve) => readyWaiters.push(resolve));
    },
    close() {
      local.close();
      const thread = worker;
      stopped('HTTP client closed');
      void thread?.terminate();
    },
  };
}
