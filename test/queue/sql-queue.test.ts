import pino from 'pino';
import { afterAll, beforeAll, describe } from 'vitest';
import { queueConformance } from '../../src/queue/queue-conformance.js';
import { sqlQueue } from '../../src/queue/sql-queue.js';
import type { Store } from '../../src/store/store.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const silent = pino({ level: 'silent' });

describe.skipIf(SKIP_PROFILE)('job table queue', () => {
  let database: TestDatabase;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await database.open();
    b = await database.open();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  queueConformance('job table', () => ({
    dbs: [a.db, b.db],
    create: (db, clock, options = {}) => sqlQueue({ db, clock, logger: silent, pollMs: 5, ...options }),
  }));
});
