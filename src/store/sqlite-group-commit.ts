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
 * waits until the outer transaction is committed, which happens once per turn for every unit that ended
 * in it. Nothing is acknowledged before it is durable: a transaction's `execute` and a write's promise
 * resolve only after the COMMIT that contains them, and reject if that COMMIT fails (the whole group is
 * then rolled back and each caller retries or reports, as for any failed transaction). A unit that rolls
 * back undoes only itself (ROLLBACK TO its savepoint).
 *
 * The connection is held by one unit at a time (a FIFO lock, as Kysely's own SQLite driver does), but
 * released as soon as the unit's work is done, before the COMMIT it waits for, so the next units run
 * meanwhile and join the same group. Reads outside a transaction run at once; they see the writes of the
 * group in progress, which is what a single connection always saw.
 */
export function groupCommitDialect(database: SQLite.Database): Dialect {
  return {
    createAdapter: (): DialectAdapter => new SqliteAdapter(),
    createDriver: (): Driver => new GroupCommitDriver(database),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => new SqliteIntrospector(db),
    createQueryCompiler: (): QueryCompiler => new SqliteQueryCompiler(),
  };
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

  constructor(private readonly db: SQLite.Database) {
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
   * due at the end of this turn.
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

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
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
    const waiters = this.waiting;
    this.waiting = [];
    try {
      if (this.outerOpen) {
        this.outerOpen = false;
        if (!this.db.inTransaction) throw new Error('SQLite rolled the transaction group back');
        this.run('commit');
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
