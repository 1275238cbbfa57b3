import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, TransientDeliveryError } from './channel.js';
import { startHttpPeer, type TestPeer } from './channel-test-kit.js';
import { type HttpClient, type HttpClientOptions, httpClient, parseRetryAfter } from './http-client.js';
import { threadedHttpClient } from './threaded-http-client.js';

let peer: TestPeer;
let requests = 0;

beforeAll(async () => {
  peer = await startHttpPeer((req, body, res) => {
    requests += 1;
    if (req.url === '/hang') return;
    if (req.url === '/big') return void res.end('x'.repeat(3 * 1024 * 1024));
    if (req.url === '/slow-down') {
      res.writeHead(429, { 'retry-after': '7' });
      return void res.end('slow down');
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, echo: JSON.parse(body.toString() || 'null') }));
  });
});

afterAll(async () => {
  await peer.close();
});

// The same contract in process and on the thread the engine moves a burst's requests to.
describe.each([
  ['in process', async (options: HttpClientOptions) => httpClient(options)],
  [
    'on its thread',
    async (options: HttpClientOptions) => {
      const threaded = threadedHttpClient({ ...options, threadFrom: 0 });
      expect(await threaded.threadReady()).toBe(true);
      return threaded;
    },
  ],
] as const)(
  'the HTTP client %s',
  (_where, makeClient: (options: HttpClientOptions) => Promise<HttpClient>) => {
    const made: HttpClient[] = [];
    const make = async (options: HttpClientOptions) => {
      const one = await makeClient(options);
      made.push(one);
      return one;
    };
    let client: HttpClient;
    let guarded: HttpClient;
    beforeAll(async () => {
      client = await make({ allowPrivateTargets: true, timeoutMs: 5_000 });
      guarded = await make({});
    });
    afterAll(() => {
      for (const one of made) one.close();
    });

    describe('httpClient', () => {
      it('posts JSON over a keep-alive agent and parses the answer', async () => {
        const res = await client.postJson(`${peer.url}/echo`, { a: 1 });
        expect(res.status).toBe(200);
        expect(res.json()).toEqual({ method: 'POST', echo: { a: 1 } });
      });

      it('turns a per-request timeout into a transient error', async () => {
        const err = await client.request({ url: `${peer.url}/hang`, timeoutMs: 100 }).catch((e) => e);
        expect(err).toBeInstanceOf(TransientDeliveryError);
        expect(err.code).toBe('timeout');
      });

      it('times out a request still waiting for a connection', async () => {
        const single = await make({ allowPrivateTargets: true, maxSockets: 1 });
        const busy = single.request({ url: `${peer.url}/hang`, timeoutMs: 2_000 }).catch((e) => e);
        const started = Date.now();
        const err = await single.request({ url: `${peer.url}/echo`, timeoutMs: 100 }).catch((e) => e);
        expect(err).toBeInstanceOf(TransientDeliveryError);
        expect(err.code).toBe('timeout');
        expect(Date.now() - started).toBeLessThan(1_500);
        expect((await busy).code).toBe('timeout');
      });

      it('stops when the signal aborts', async () => {
        const controller = new AbortController();
        const pending = client
          .request({ url: `${peer.url}/hang`, signal: controller.signal })
          .catch((e) => e);
        controller.abort();
        const err = await pending;
        expect(err).toBeInstanceOf(TransientDeliveryError);
        expect(err.code).toBe('aborted');
      });

      it('keeps at most maxResponseBytes of a body', async () => {
        const small = await make({ allowPrivateTargets: true, maxResponseBytes: 1024 });
        const res = await small.request({ url: `${peer.url}/big` });
        expect(res.body.length).toBe(1024);
      });

      it('reports a refused connection as transient', async () => {
        const closed = await startHttpPeer(() => undefined);
        await closed.close();
        const err = await client.request({ url: `${closed.url}/x` }).catch((e) => e);
        expect(err).toBeInstanceOf(TransientDeliveryError);
        expect(err.code).toBe('econnrefused');
      });
    });

    describe('connect-time SSRF guard', () => {
      it('refuses a name resolving to loopback before any connection is made', async () => {
        const before = requests;
        const port = new URL(peer.url).port;
        const err = await guarded.request({ url: `http://localhost:${port}/echo` }).catch((e) => e);
        expect(err).toBeInstanceOf(PermanentDeliveryError);
        expect(err.code).toBe('private_target');
        expect(requests).toBe(before);
      });

      it('refuses a loopback IP literal (for which no lookup happens)', async () => {
        const err = await guarded.request({ url: `${peer.url}/echo` }).catch((e) => e);
        expect(err).toMatchObject({ code: 'private_target' });
      });

      it('refuses an IPv4-mapped IPv6 literal', async () => {
        const err = await guarded.request({ url: 'http://[::ffff:7f00:1]:9/' }).catch((e) => e);
        expect(err).toMatchObject({ code: 'private_target' });
      });
    });

    it('hands back the status, headers and body of an answer that is not a success', async () => {
      const res = await client.request({ url: `${peer.url}/slow-down`, method: 'POST', body: '{}' });
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.text()).toBe('slow down');
    });

    it('refuses a URL of another protocol as permanent, naming it', async () => {
      const err = await client.request({ url: 'ftp://example.com/x' }).catch((e) => e);
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(err).toMatchObject({ code: 'invalid_url', message: 'Unsupported protocol ftp:' });
    });

    it('answers each of many requests of one turn with its own answer', async () => {
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) => client.postJson(`${peer.url}/echo`, { i })),
      );
      expect(answers.map((res) => (res.json() as { echo: { i: number } }).echo.i)).toEqual(
        Array.from({ length: 200 }, (_, i) => i),
      );
    });
  },
);

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
