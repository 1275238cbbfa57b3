/**
 * The webhook sink of the benchmarks, run as a child process so its event loop is nobody else's: a
 * keep-alive node:http server on loopback that answers 200 at once, counts requests and distinct
 * `webhook-id`s, and records when each benchmark marker (`bmk_<scenario>_<n>`, found anywhere in the
 * body) first arrived. Paths under `/refuse` answer 400 (a receiver that rejects every message): their markers
 * are counted as refused, not as arrivals. Driven over IPC by bench/run.ts; it exits with its parent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the driver asks the sink. */
export type SinkCommand =
  | { readonly cmd: 'reset' }
  | { readonly cmd: 'count'; readonly prefix: string }
  | { readonly cmd: 'report'; readonly prefix: string }
  | { readonly cmd: 'sample'; readonly path: string };

/** The sink's counters; `arrivals` only in a report. */
export interface SinkReport {
  readonly requests: number;
  readonly uniqueIds: number;
  readonly duplicates: number;
  /** Markers with the prefix that arrived. */
  readonly markers: number;
  /** Markers with the prefix that were refused (400 under `/refuse`). */
  readonly refused: number;
  /** Wall-clock ms (sub-ms precision) of the first and last request. */
  readonly first: number;
  readonly last: number;
  /** Marker → first arrival, wall-clock ms. */
  readonly arrivals?: Record<string, number>;
}

/** One request as received, to replay its shape from the bare HTTP loops. */
export interface SinkSample {
  readonly headers: Record<string, string>;
  readonly body: string;
}

const MARKER = /bmk_[a-z0-9]+_\d+/g;
const wallNow = () => performance.timeOrigin + performance.now();

if (process.send) {
  let requests = 0;
  let duplicates = 0;
  let first = 0;
  let last = 0;
  let ids = new Set<string>();
  let arrivals = new Map<string, number>();
  let refused = new Set<string>();
  const samples = new Map<string, SinkSample>();

  const server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = wallNow();
      const path = req.url ?? '/';
      if (path.startsWith('/refuse')) {
        for (const match of Buffer.concat(chunks).toString('utf8').matchAll(MARKER)) refused.add(match[0]);
        res.statusCode = 400;
        res.end();
        return;
      }
      requests++;
      if (first === 0) first = at;
      last = at;
      const id = req.headers['webhook-id'];
      if (typeof id === 'string') {
        if (ids.has(id)) duplicates++;
        else ids.add(id);
      }
      const body = Buffer.concat(chunks).toString('utf8');
      for (const match of body.matchAll(MARKER)) if (!arrivals.has(match[0])) arrivals.set(match[0], at);
      if (!samples.has(path)) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        samples.set(path, { headers, body });
      }
      res.statusCode = 200;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });

  const counted = (prefix: string, markers: Iterable<string> = arrivals.keys()) => {
    let n = 0;
    for (const key of markers) if (key.startsWith(prefix)) n++;
    return n;
  };
  process.on('message', (message: SinkCommand) => {
    if (message.cmd === 'reset') {
      requests = 0;
      duplicates = 0;
      first = 0;
      last = 0;
      ids = new Set();
      arrivals = new Map();
      refused = new Set();
      process.send?.({ ok: true });
    } else if (message.cmd === 'count') {
      const report: SinkReport = {
        requests,
        uniqueIds: ids.size,
        duplicates,
        markers: counted(message.prefix),
        refused: counted(message.prefix, refused),
        first,
        last,
      };
      process.send?.(report);
    } else if (message.cmd === 'report') {
      const mine: Record<string, number> = {};
      for (const [key, at] of arrivals) if (key.startsWith(message.prefix)) mine[key] = at;
      const report: SinkReport = {
        requests,
        uniqueIds: ids.size,
        duplicates,
        markers: Object.keys(mine).length,
        refused: counted(message.prefix, refused),
        first,
        last,
        arrivals: mine,
      };
      process.send?.(report);
    } else if (message.cmd === 'sample') {
      process.send?.(samples.get(message.path) ?? null);
    }
  });
  process.on('disconnect', () => process.exit(0));
}
