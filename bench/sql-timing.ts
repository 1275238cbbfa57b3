/**
 * Times every SQLite statement run in this process (better-sqlite3's run, all, get and iterate), by SQL
 * text: where the database time of a scenario goes. Install before the engine opens its database.
 */
import { createRequire } from 'node:module';

type StatementMethod = (this: { source: string }, ...args: unknown[]) => unknown;

/** The statements seen while recording, with their calls and time. */
export interface StatementTiming {
  /** Starts (again) counting from zero. */
  start(): void;
  /** Stops counting. */
  stop(): void;
  /** Total statements and microseconds counted. */
  totals(): { calls: number; us: number };
  /** The costliest `top` statements, per `unit` (events, requests), for console.table. */
  table(unit: number, top?: number): { 'µs/unit': string; 'calls/unit': string; sql: string }[];
}

/** Wraps better-sqlite3's statement methods once; counting starts with `start()`. */
export function timeStatements(): StatementTiming {
  const SQLite = createRequire(import.meta.url)('better-sqlite3') as new (
    file: string,
  ) => { prepare(sql: string): object };
  const statement = Object.getPrototypeOf(new SQLite(':memory:').prepare('select 1')) as Record<
    string,
    StatementMethod
  >;
  let spent = new Map<string, { calls: number; ns: bigint }>();
  let recording = false;
  const keys = new Map<string, string>();
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = statement[method]!;
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      if (!recording) return original.apply(this, args);
      const started = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        // The clock stops before any bookkeeping: the figure is the statement's alone.
        const ns = process.hrtime.bigint() - started;
        let key = keys.get(this.source);
        if (key === undefined) {
          key = this.source.replace(/\s+/g, ' ').slice(0, 100);
          keys.set(this.source, key);
        }
        const entry = spent.get(key) ?? { calls: 0, ns: 0n };
        entry.calls++;
        entry.ns += ns;
        spent.set(key, entry);
      }
    };
  }
  return {
    start() {
      spent = new Map();
      recording = true;
    },
    stop() {
      recording = false;
    },
    totals() {
      let calls = 0;
      let ns = 0n;
      for (const entry of spent.values()) {
        calls += entry.calls;
        ns += entry.ns;
      }
      return { calls, us: Number(ns) / 1000 };
    },
    table(unit, top = 25) {
      return [...spent]
        .sort((a, b) => Number(b[1].ns - a[1].ns))
        .slice(0, top)
        .map(([sql, e]) => ({
          'µs/unit': (Number(e.ns) / 1000 / unit).toFixed(1),
          'calls/unit': (e.calls / unit).toFixed(2),
          sql,
        }));
    },
  };
}
