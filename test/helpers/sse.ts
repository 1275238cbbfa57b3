import http, { type IncomingHttpHeaders } from 'node:http';

/** One Server-Sent Event as a browser's EventSource would dispatch it. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** An open event stream read by a minimal parser of the `text/event-stream` format. */
export interface SseClient {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Comment lines seen so far (`: connected`, `: heartbeat`), without the colon. */
  readonly comments: string[];
  /** The next event, waiting up to `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Events that arrived and were not taken by {@link SseClient.next} yet. */
  pending(): SseEvent[];
  /** The body as text, for answers that are not a stream (401, 404). */
  text(): Promise<string>;
  close(): void;
}

/** Opens `url` and resolves once the answer's headers and, for a stream, its first comment arrived. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const waiters: (() => void)[] = [];
      let buffer = '';
      let raw = '';
      let ended = false;
      let resolved = false;
      const client: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        comments,
        pending: () => events.splice(0),
        next(timeoutMs = 5000) {
          return new Promise<SseEvent>((ok, fail) => {
            let done = false;
            const timer = setTimeout(() => {
              done = true;
              fail(new Error(`no event within ${timeoutMs} ms`));
            }, timeoutMs);
            const attempt = () => {
              if (done) return;
              const event = events.shift();
              if (event || ended) {
                done = true;
                clearTimeout(timer);
                if (event) ok(event);
                else fail(new Error('stream ended'));
                return;
              }
              waiters.push(attempt);
            };
            attempt();
          });
        },
        text: () =>
          new Promise((ok) => {
            if (ended) ok(raw);
            else res.on('end', () => ok(raw));
          }),
        close: () => req.destroy(),
      };
      const wake = () => {
        for (const w of waiters.splice(0)) w();
      };
      const settle = () => {
        if (resolved) return;
        resolved = true;
        resolve(client);
      };
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let id: string | undefined;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id:')) id = line.slice(3).trim();
            else if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (data.length > 0) events.push({ id, event, data: data.join('\n') });
          cut = buffer.indexOf('\n\n');
        }
        if (comments.length > 0) settle();
        wake();
      });
      res.on('end', () => {
        ended = true;
        settle();
        wake();
      });
      res.on('error', () => undefined);
      if (!String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.on('end', settle);
      }
    });
    req.on('error', reject);
  });
}
