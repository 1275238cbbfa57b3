import type SQLite from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/**
 * SQLite with group commit: the transactions and writes of one turn of the event loop share one real
 * COMMIT.
 *
 * On this single-connection database a COMMIT costs more than the statements of a typical transaction
 * (the pages it touched are appended to the WAL and the WAL index updated), and the pipeline makes
 * thousands of small transactions a second: an event, its evaluation, its fan-out, each delivery's claim
 * and outcome, each finished job. Here every unit of work (a Kysely transaction, or one statement that
 * writes outside of any) runs as a SAVEPOINT inside one open outer transaction; when it ends its caller
 * waits until the outer transaction is committed, which happens once per turn (or per spacing, below)
 * for every unit that ended in it. Nothing is acknowledged before it is durable: a transaction's `execute` and a write's promise
 * resolve only after the COMMIT that contains them, and reject if that COMMIT fails (the whole group is
 * then rolled back and each caller retries or reports, as for any failed transaction). A unit that rolls
 * back undoes only itself (ROLLBACK TO its savepoint).
 *
 * The connection is held by one unit at a time (a FIFO lock, as Kysely's own SQLite driver does), but
 * released as soon as the unit's work is done, before the COMMIT it waits for, so the next units run
 * meanwhile and join the same group. Reads outside a transaction run at once; they see the writes of the
 * group in progress, which is what a single connection always saw.
 *
 * COMMITs that would come back to back are spaced (see {@link COMMIT_SPACING_MS}): at a steady stream of
 * single events each turn holds the work of about one, and a COMMIT costs about as much with one event's
 * pages as with several (consecutive events share the last pages of every time-ordered index), so a
 * group that opens within the spacing of the previous COMMIT waits for the rest of it and takes what
 * arrives meanwhile; not when it or the group before it changed FULL_GROUP_ROWS rows (a burst), nor while
 * the caller says not now (`mayWait`). A wait that gathered nothing (a lone client writing one thing
 * after another) makes the next groups commit at once, twice as many after each such wait, so a lone
 * client is rarely held.
 */
export function groupCommitDialect(database: SQLite.Database, options: GroupCommitOptions = {}): Dialect {
  return {
    createAdapter: (): DialectAdapter => new SqliteAdapter(),
    createDriver: (): Driver => new GroupCommitDriver(database, options),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => new SqliteIntrospector(db),
    createQueryCompiler: (): QueryCompiler => new SqliteQueryCompiler(),
  };
}

/**
 * Least time from one COMMIT to the next while work keeps coming. Measured at a steady 800 single events
 * a second through the whole pipeline (bench/pipeline.ts --rate=800, same host, alternating runs): the
 * main thread's time per event fell from 1,210-1,250 µs committing every turn to 890-1,010 µs with 8 ms,
 * 930-1,070 µs with 5 ms and 1,000-1,160 µs with 4 ms; statements per event from 15-21 to 12-13, as
 * every stage's work gathers into fewer, larger batches. It is also what an event waits at most, per
 * stage, for its COMMIT, so the shorter of the two that gain most.
 */
export const COMMIT_SPACING_MS = 5;
/**
 * Rows a group changes before it is committed without waiting longer: the COMMIT is paid for by then, and
 * waiting on would only hold back work that waits for it (a worker's slots, each holding a send whose
 * outcome is in the group).
 */
const FULL_GROUP_ROWS = 128;
/** Most groups committed at once after a wait that gathered nothing (see groupCommitDialect). */
const MAX_UNWAITED_GROUPS = 256;

/** Options of {@link groupCommitDialect}. */
export interface GroupCommitOptions {
  /** Least time between two COMMITs while work keeps coming; 0 commits every turn. */
  readonly commitSpacingMs?: number;
  /**
   * Whether a group may wait for the spacing now (default always). A worker whose job slots are full
   * should say no: its jobs wait for their COMMITs, and while they wait no other work arrives.
   */
  readonly mayWait?: () => boolean;
  /** Told after each COMMIT how many units it held and whether its group waited for the spacing. */
  readonly onCommit?: (units: number, waited: boolean) => void;
}

/** One holder of the connection, from acquire to release. */
class Unit implements DatabaseConnection {
  /** Inside a Kysely transaction (a savepoint is open). */
  inTransaction = false;
  /** The lock was handed on already (the unit is waiting for its COMMIT). */
  released = false;

  constructor(private readonly driver: GroupCommitDriver) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute<R>(this, compiled);
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered on this connection
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on SQLite here');
  }
}

/** A first-come first-served lock. */
class Lock {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

const SAVEPOINT = 'herald_unit';
/** How long a statement waits for a lock held by another connection before it fails. */
const BUSY_WAIT_MS = 5_000;

function isBusy(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

class GroupCommitDriver implements Driver {
  private readonly lock = new Lock();
  private readonly statements = new Map<string, SQLite.Statement>();
  /** Units whose work is in the open outer transaction, waiting for its COMMIT. */
  private waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private outerOpen = false;
  private flushScheduled = false;
  private readonly spacingMs: number;
  /** When the last COMMIT ended (performance.now()). */
  private lastCommit = Number.NEGATIVE_INFINITY;
  /** The open group waits for the spacing, until this timer commits it. */
  private waited = false;
  private spacingTimer: NodeJS.Timeout | null = null;
  /** Rows the open group changed so far. */
  private groupRows = 0;
  /** Rows the last group changed. */
  private previousRows = 0;
  /** Groups still to commit without waiting, and how many the next wait that gathers nothing sets. */
  private unwaited = 0;
  private backoff = 1;

  constructor(
    private readonly db: SQLite.Database,
    private readonly options: GroupCommitOptions,
  ) {
    this.spacingMs = options.commitSpacingMs ?? COMMIT_SPACING_MS;
    // Lock waits are asynchronous (see whenFree), never a blocking busy timeout.
    db.pragma('busy_timeout = 0');
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    return new Unit(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const unit = connection as Unit;
    await this.openOuter();
    this.run(`savepoint ${SAVEPOINT}`);
    unit.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const unit = connection as Unit;
    unit.inTransaction = false;
    if (!this.db.inTransaction) {
      // SQLite rolled the whole group back (an I/O error, a full disk): this unit's work is gone too.
      this.handOn(unit);
      throw new Error('SQLite rolled the transaction back');
    }
    this.run(`release ${SAVEPOINT}`);
    await this.awaitCommit(unit);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const unit = connection as Unit;
    if (unit.released || !unit.inTransaction) return;
    unit.inTransaction = false;
    if (!this.db.inTransaction) return;
    this.run(`rollback to ${SAVEPOINT}`);
    this.run(`release ${SAVEPOINT}`);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.handOn(connection as Unit);
  }

  async destroy(): Promise<void> {
    await this.flush();
    this.db.close();
  }

  /** Runs one statement for a unit; a write outside a transaction waits for its COMMIT. */
  async execute<R>(unit: Unit, compiled: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.prepare(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (unit.inTransaction) return this.runPrepared<R>(statement, parameters);
    if (statement.readonly) return this.whenFree(() => this.runPrepared<R>(statement, parameters));
    await this.openOuter();
    const result = this.runPrepared<R>(statement, parameters);
    await this.awaitCommit(unit);
    return result;
  }

  private runPrepared<R>(statement: SQLite.Statement, parameters: unknown[]): QueryResult<R> {
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    this.groupRows += changes;
    return {
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    };
  }

  private prepare(sql: string): SQLite.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      // Kysely prepares every statement anew, and preparing costs as much as running a small one.
      if (this.statements.size >= 2000) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private run(sql: string): void {
    this.prepare(sql).run();
  }

  /**
   * Runs `work`, waiting without blocking while another connection (another process, or another store
   * in this one) holds a lock SQLite reports as busy. A blocking busy timeout would be wrong here: that
   * other connection may be this process's, which commits only when the event loop turns.
   */
  private async whenFree<T>(work: () => T): Promise<T> {
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        return work();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * Opens the group's outer transaction if none is open, taking the write lock at once (BEGIN
   * IMMEDIATE: a group never has to upgrade a read snapshot another writer made stale); its COMMIT is
   * due at the end of this turn, or once the spacing has passed (see scheduleFlush).
   */
  private async openOuter(): Promise<void> {
    if (this.outerOpen) {
      if (this.db.inTransaction) return;
      // SQLite rolled the open group back on its own (an I/O error, a full disk): its units failed.
      this.outerOpen = false;
      const lost = this.waiting;
      this.waiting = [];
      for (const waiter of lost) waiter.reject(new Error('SQLite rolled the transaction group back'));
    }
    await this.whenFree(() => this.run('begin immediate'));
    this.outerOpen = true;
    this.scheduleFlush();
  }

  /**
   * Schedules the open group's COMMIT: at the end of this turn, or when the spacing since the last COMMIT
   * has passed if the group may wait for it (see `holds`). A group already waiting is committed at
   * once when it has changed FULL_GROUP_ROWS rows.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) {
      if (this.spacingTimer && this.groupRows >= FULL_GROUP_ROWS) this.commitSoon();
      return;
    }
    this.flushScheduled = true;
    const wait = this.lastCommit + this.spacingMs - performance.now();
    if (wait >= 1 && this.holds()) {
      this.waited = true;
      this.spacingTimer = setTimeout(() => void this.flush(), wait);
    } else {
      if (wait >= 1 && this.unwaited > 0) this.unwaited--;
      this.commitSoon();
    }
  }

  /** Whether a group opened within the spacing waits for it (see groupCommitDialect). */
  private holds(): boolean {
    return (
      this.unwaited === 0 &&
      this.groupRows < FULL_GROUP_ROWS &&
      this.previousRows < FULL_GROUP_ROWS &&
      (this.options.mayWait?.() ?? true)
    );
  }

  /** Commits the open group at the end of this turn, instead of when a wait for the spacing ends. */
  private commitSoon(): void {
    if (this.spacingTimer) clearTimeout(this.spacingTimer);
    this.spacingTimer = null;
    setImmediate(() => void this.flush());
  }

  /** After a COMMIT: a wait that gathered only the unit that opened the group doubles the groups not held. */
  private committed(units: number, waited: boolean): void {
    this.lastCommit = performance.now();
    if (waited && units <= 1) {
      this.unwaited = this.backoff;
      this.backoff = Math.min(this.backoff * 2, MAX_UNWAITED_GROUPS);
    } else if (waited) this.backoff = 1;
    this.options.onCommit?.(units, waited);
  }

  private handOn(unit: Unit): void {
    if (unit.released) return;
    unit.released = true;
    this.lock.release();
  }

  /** Hands the connection on and waits for the COMMIT of the group this unit's work is in. */
  private awaitCommit(unit: Unit): Promise<void> {
    const committed = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.handOn(unit);
    this.scheduleFlush();
    return committed;
  }

  /** Commits the open group once no unit holds the connection, and answers its waiters. */
  private async flush(): Promise<void> {
    await this.lock.acquire();
    this.flushScheduled = false;
    if (this.spacingTimer) clearTimeout(this.spacingTimer);
    this.spacingTimer = null;
    const waited = this.waited;
    this.waited = false;
    this.previousRows = this.groupRows;
    this.groupRows = 0;
    const waiters = this.waiting;
    this.waiting = [];
    try {
      if (this.outerOpen) {
        this.outerOpen = false;
        if (!this.db.inTransaction) throw new Error('SQLite rolled the transaction group back');
        this.run('commit');
        this.committed(waiters.length, waited);
      }
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      if (this.db.inTransaction) this.run('rollback');
      for (const waiter of waiters) waiter.reject(error);
    } finally {
      this.lock.release();
    }
  }
}
