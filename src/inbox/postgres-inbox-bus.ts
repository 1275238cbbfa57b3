import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import type { Logger } from 'pino';
import { sha256Hex } from '../security/sha256.js';
import { pgLibrary } from '../store/cluster-libraries.js';
import type { Database } from '../store/schema.js';
import { type InboxBus, listenerRegistry } from './inbox-bus.js';

/** Options of {@link postgresInboxBus}. */
export interface PostgresInboxBusOptions {
  /** The store's database; signals are sent through its pool. */
  readonly db: Kysely<Database>;
  /** The same database's URL; the bus holds one dedicated connection on it for LISTEN. */
  readonly connectionString: string;
  readonly logger: Logger;
  /** First wait before reconnecting a lost listener, milliseconds; doubles up to 30 s. Default 500. */
  readonly reconnectMs?: number;
}

const MAX_RECONNECT_MS = 30_000;

/**
 * NOTIFY channels are per database, not per schema: several Herald schemas in one database (tests, shared
 * hosts) each get their own channel. A digest keeps the name short and free of quoting.
 */
async function channelName(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema ?? 'public';
  return `herald_inbox_${sha256Hex(schema).slice(0, 16)}`;
}

/**
 * The cluster profile's bus: a message stored by any process is announced with `pg_notify` (only ids, well
 * under NOTIFY's 8000-byte limit); every process LISTENs on a dedicated connection and wakes its own
 * streams, which read the message from the store. A lost connection is reopened with backoff, and
 * streams are told to resync since signals may have been missed meanwhile.
 */
export async function postgresInboxBus(options: PostgresInboxBusOptions): Promise<InboxBus> {
  const { db, logger } = options;
  const channel = await channelName(db);
  const listeners = listenerRegistry();
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = options.reconnectMs ?? 500;
  let timer: NodeJS.Timeout | undefined;

  function onNotification(note: pg.Notification): void {
    if (note.channel !== channel || !note.payload) return;
    try {
      const { u, m } = JSON.parse(note.payload) as { u?: unknown; m?: unknown };
      if (typeof u === 'string' && typeof m === 'string') {
        listeners.emit({ kind: 'message', userId: u, messageId: m });
      }
    } catch {
      logger.warn({ channel }, 'inbox bus ignored a malformed notification');
    }
  }

  async function connect(): Promise<void> {
    const next = new (pgLibrary().Client)({ connectionString: options.connectionString });
    next.on('notification', onNotification);
    next.on('error', (err) => lost(next, err));
    next.on('end', () => lost(next));
    await next.connect();
    await next.query(`LISTEN ${channel}`);
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  }

  function lost(which: pg.Client, err?: Error): void {
    if (closed || client !== which) return;
    client = null;
    which.removeAllListeners('end');
    which.end().catch(() => undefined);
    logger.warn({ err: err?.message, channel }, 'inbox bus lost its connection; reconnecting');
    schedule();
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(async () => {
      try {
        await connect();
        retryMs = options.reconnectMs ?? 500;
        logger.info({ channel }, 'inbox bus reconnected');
        listeners.emit({ kind: 'resync' });
      } catch (err) {
        logger.warn({ err: (err as Error).message, channel }, 'inbox bus could not reconnect');
        retryMs = Math.min(retryMs * 2, MAX_RECONNECT_MS);
        schedule();
      }
    }, retryMs);
    timer.unref();
  }

  await connect();

  return {
    async publish(userId, message) {
      const payload = JSON.stringify({ u: userId, m: message.id });
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    subscribe: (userId, listener) => listeners.add(userId, listener),
    async close() {
      closed = true;
      clearTimeout(timer);
      const current = client;
      client = null;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => undefined);
      }
    },
  };
}
