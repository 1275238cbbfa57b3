import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** WAL size at which checkpoints move off the event loop (SQLite's own default threshold, 1,000 pages). */
const START_BYTES = 4 * 1024 * 1024;
/** Pages the WAL may hold before the writing connection checkpoints by itself again (a bound, ~64 MB). */
const FALLBACK_PAGES = 16_000;
const INTERVAL_MS = 250;

/** The checkpointing thread: its own connection, a PASSIVE checkpoint on every tick. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); try { db.close(); } catch {} parentPort.close(); });
`;

/**
 * Moves WAL checkpoints off the event loop. By default SQLite checkpoints inside the COMMIT that pushes
 * the WAL past 1,000 pages: that COMMIT copies the pages into the database and syncs it, while every
 * request and job waits. Once the WAL first grows that large (a small database never gets there, and
 * starts no thread), a worker thread with its own connection runs PASSIVE checkpoints four times a
 * second, which never block the writer; the writer keeps a fallback threshold so the WAL stays bounded
 * whatever happens to the thread. Returns the function that stops it.
 */
export function checkpointInBackground(database: SQLite.Database, file: string): () => Promise<void> {
  let worker: Worker | null = null;
  const watch = setInterval(() => {
    let size = 0;
    try {
      size = statSync(`${file}-wal`).size;
    } catch {
      return;
    }
    if (size < START_BYTES) return;
    clearInterval(watch);
    database.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
    worker = new Worker(THREAD, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file,
        intervalMs: INTERVAL_MS,
      },
    });
    worker.unref();
    // A thread that cannot run leaves checkpoints to the writer's fallback threshold.
    worker.on('error', () => database.pragma('wal_autocheckpoint = 1000'));
  }, INTERVAL_MS);
  watch.unref();
  return async () => {
    clearInterval(watch);
    const running = worker;
    worker = null;
    if (!running) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.postMessage('stop');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  };
}
