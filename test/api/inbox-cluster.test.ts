import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { testContext, testMessage } from '../../src/delivery/channel-test-kit.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';
import { ADMIN_TOKEN } from '../helpers/herald.js';
import { PROFILE, SKIP_PROFILE, TEST_DATABASE_URL } from '../helpers/profile.js';
import { openSse } from '../helpers/sse.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const quiet = () => createLogger('warn', new Writable({ write: (_c, _e, done) => done() }));

/**
 * The cluster profile: an API process holds the stream, a worker process stores the message. Both run
 * here as two engines on one PostgreSQL schema, each with its own pool and LISTEN connection.
 */
describe.skipIf(SKIP_PROFILE || PROFILE !== 'postgres')('inbox stream across processes', () => {
  let database: TestDatabase;
  let api: Engine;
  let worker: Engine;
  let url: string;
  let userId: string;
  let token: string;

  const engine = (role: 'api' | 'worker') =>
    createEngine(
      loadConfig(
        {},
        {},
        {
          port: 0,
          role,
          dataDir: database.dataDir,
          databaseUrl: database.databaseUrl,
          adminToken: ADMIN_TOKEN,
          secretKey: 'test-secret-key-0123456789abcdef0123456789',
          allowPrivateTargets: true,
        },
      ),
      { clock: manualClock(Date.now()), logger: quiet() },
    );

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json() as Promise<Record<string, string>>;
  }

  async function sendFromWorker(title: string): Promise<string> {
    const channel = worker.channels.get('inapp');
    if (!channel) throw new Error('no inapp channel');
    const message = testMessage(
      { title, body: '', url: 'https://herald.test/' },
      { type: 'user', id: userId },
    );
    return (await channel.send(message, testContext())).providerMessageId ?? '';
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await engine('api');
    worker = await engine('worker');
    url = await api.start();
    await call('POST', '/api/v1/orgs', { slug: 'acme' });
    userId = (await call('POST', '/api/v1/orgs/acme/members', { email: 'ada@example.com' })).userId ?? '';
    token = (await call('POST', `/api/v1/users/${userId}/tokens`, {})).token ?? '';
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await database?.drop();
  });

  it('shares one VAPID identity between the processes', () => {
    expect(worker.services.pushSubscriptions.vapidPublicKey).toBe(
      api.services.pushSubscriptions.vapidPublicKey,
    );
  });

  it('streams a message the worker stored to the API process', async () => {
    const stream = await openSse(`${url}/api/v1/me/inbox/stream?token=${encodeURIComponent(token)}`);
    try {
      const id = await sendFromWorker('From the worker');
      const event = await stream.next();
      expect(event.id).toBe(id);
      expect(JSON.parse(event.data)).toMatchObject({ id, title: 'From the worker' });
    } finally {
      stream.close();
    }
  });

  it('catches up on what was sent while the listening connection was lost', async () => {
    const stream = await openSse(`${url}/api/v1/me/inbox/stream?token=${encodeURIComponent(token)}`);
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      // Only this schema's listeners: other suites share the database.
      const schema = /search_path=(\w+)/.exec(decodeURIComponent(database.databaseUrl ?? ''))?.[1] ?? '';
      const channel = `herald_inbox_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
      const killed = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where query = $1',
        [`LISTEN ${channel}`],
      );
      expect(killed.rowCount).toBeGreaterThan(0);
      const id = await sendFromWorker('While reconnecting');
      const event = await stream.next(10_000);
      expect(event.id).toBe(id);
    } finally {
      stream.close();
      await admin.end();
    }
  });
});
