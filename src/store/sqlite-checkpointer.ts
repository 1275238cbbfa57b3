import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** WAL size at which checkpoints move off the event loop (SQLite's own default threshold, 1,000 pages). */
const START_BYTES = 4 * 1024 * 1024;
/** Pages the WAL may hold before the writing connection checkpoints by itself again (a bound, ~64 MB). */
const FALLBACK_PAGES = 16_000;
const INTERVAL_MS = 250;
/** Time between checkpoints while the WAL keeps growing. */
const BUSY_INTERVAL_MS = 20;

/**
 * The checkpointing thread: its own connection, a PASSIVE checkpoint every `busyMs` while the WAL grows
 * (its frame count changed since the last one), every `idleMs` once it stopped.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file);
db.pragma('busy_timeout = 1000');
let frames = -1;
let timer = null;
function tick() {
  let grew = false;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    grew = result.log !== frames;
    frames = result.log;
  } catch {}
  timer = setTimeout(tick, grew ? workerData.busyMs : workerData.idleMs);
}
tick();
parentPort.on('message', () => { clearTimeout(timer); try { db.close(); } catch {} parentPort.close(); });
`;

/**
 * Moves WAL checkpoints off the event loop. By default SQLite checkpoints inside the COMMIT that pushes
 * the WAL past 1,000 pages: that COMMIT copies the pages into the database and syncs it, while every
 * request and job waits. Once the WAL first grows that large (a small database never gets there, and
 * starts no thread), a worker thread with its own connection runs PASSIVE checkpoints, which never
 * block the writer; the writer keeps a fallback threshold so the WAL stays bounded whatever happens to
 * the thread. Returns the function that stops it.
 *
 * Under a steady stream of writes the WAL never starts over by itself: only a writer can restart it, at
 * the start of a transaction that finds every frame already copied, and there are always frames newer
 * than the thread's last checkpoint. It grows to the fallback threshold, and there the writer's own
 * checkpoint copies the frames written since the thread's last one, inside a COMMIT. With checkpoints
 * four times a second that was a quarter-second of writes: 10–25 ms COMMITs about twice a second at
 * 1,000 events/s, each holding up every event behind it. So while the WAL grows the thread checkpoints
 * every 20 ms, and the writer's share is a few hundred frames.
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
        busyMs: BUSY_INTERVAL_MS,
        idleMs: INTERVAL_MS,
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
