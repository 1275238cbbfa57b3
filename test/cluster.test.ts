import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type TestPeer } from '../src/delivery/channel-test-kit.js';
import { DEFAULT_CONCURRENCY } from '../src/queue/queue.js';
import { signal, within } from '../src/queue/queue-conformance.js';
import {
  adminCall,
  everyEventToWebhook,
  type HeraldProcess,
  ruleHistory,
  serveHerald,
} from './helpers/herald-process.js';
import { skipWithoutPostgres, TEST_DATABASE_URL, TEST_REDIS_URL } from './helpers/profile.js';
import { dropRedisPrefix, freshRedisPrefix, SKIP_REDIS } from './helpers/redis.js';
import { pgQuery } from './helpers/store.js';

const ADMIN_TOKEN = 'cluster-admin-token-0123456789';
const SIGNING_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const EVENTS = 10_000;
/** The batch endpoint's largest batch. */
const BATCH = 1_000;
const KILL_AFTER = 2_000;
/** Bound of each wait on the cluster's progress: a loaded two-core machine needs minutes for the burst. */
const PATIENCE_MS = 480_000;

const SKIP_POSTGRES = await skipWithoutPostgres('the cluster test');

describe.skipIf(SKIP_POSTGRES || SKIP_REDIS)('cluster profile: one api and two worker processes', () => {
  const schema = `c_${randomBytes(6).toString('hex')}`;
  const prefix = freshRedisPrefix();
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-cluster-'));
  const nodes: HeraldProcess[] = [];
  const arrivals = new Map<string, number>();
  /** The type and issue of each body the webhook received. */
  const bodies: { type: string; issueId: string | undefined }[] = [];
  const allArrived = signal();
  /** Answers held while the victim dies, so it dies with sends in flight. */
  const held: (() => void)[] = [];
  let holding = false;
  let killOne: (() => void) | null = null;
  let sink: TestPeer;
  let url = '';
  let workers: HeraldProcess[] = [];
  let ruleId = '';
  const phases: string[] = [];
  const started = Date.now();

  function serve(role: 'api' | 'worker'): HeraldProcess {
    const node = serveHerald(['--role', role], {
      HERALD_DATABASE_URL: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      HERALD_REDIS_URL: TEST_REDIS_URL,
      HERALD_REDIS_PREFIX: prefix,
      HERALD_SECRET_KEY: 'cluster-secret-key-0123456789abcdef0123',
      HERALD_ADMIN_TOKEN: ADMIN_TOKEN,
      HERALD_ALLOW_PRIVATE_TARGETS: 'true',
      HERALD_DATA_DIR: join(dataDir, `${role}-${nodes.length}`),
      HERALD_LOG_LEVEL: 'info',
    });
    nodes.push(node);
    return node;
  }

  const call = adminCall(() => url, ADMIN_TOKEN);
  const history = () => ruleHistory(call, ruleId);

  /** Jobs due or waiting (retries, leases of the killed worker's sends), as `/readyz` reports them. */
  async function outstanding(): Promise<number> {
    const { queue } = (await call('GET', '/readyz')).body;
    return queue.due + queue.delayed;
  }

  /** Failure messages carry the processes' last lines: the test's only view into them. */
  function withLogs(error: unknown): Error {
    const logs = nodes.map((node) => node.output().split('\n').slice(-6).join('\n')).join('\n---\n');
    return new Error(`${String(error)}; ${arrivals.size} webhook ids; ${phases.join(', ')}; logs:\n${logs}`, {
      cause: error,
    });
  }

  beforeAll(async () => {
    await pgQuery(`create schema ${schema}`);
    sink = await startHttpPeer((req, body, res) => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      new Webhook(SIGNING_SECRET).verify(body.toString(), headers);
      const { type, data } = JSON.parse(body.toString()) as {
        type: string;
        data: { issue?: { id: string } };
      };
      bodies.push({ type, issueId: data.issue?.id });
      const id = headers['webhook-id'] ?? '';
      arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
      if (arrivals.size === KILL_AFTER) {
        holding = true;
        killOne?.();
      }
      if (arrivals.size === EVENTS) allArrived.resolve();
      if (holding) held.push(() => res.end());
      else res.end();
    });
    // Started here, not in the tests: three cold TypeScript processes take a while on a busy machine.
    url = await within(serve('api').ready, 45_000, 'the api process');
    workers = [serve('worker'), serve('worker')];
    await within(Promise.all(workers.map((w) => w.ready)), 45_000, 'the worker processes');

    ruleId = await everyEventToWebhook(call, `${sink.url}/hook`, SIGNING_SECRET);
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await sink?.close();
    await pgQuery(`drop schema if exists ${schema} cascade`);
    await dropRedisPrefix(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every event makes exactly one notification, though a worker is killed midway', async () => {
    const begin = Date.now();
    const victim = workers[0]!.child;
    const killed = new Promise<void>((resolve) => victim.once('exit', () => resolve()));
    killOne = () => victim.kill('SIGKILL');
    void killed.then(() => {
      holding = false;
      for (const answer of held.splice(0)) answer();
    });
    let next = 0;
    const ingest = async () => {
      while (next < EVENTS) {
        const from = next;
        next += BATCH;
        // One issue per event: a rule fires at most once per issue at a time, whatever its frequency.
        const events = Array.from({ length: Math.min(BATCH, EVENTS - from) }, (_, i) => ({
          message: `Timeout calling service ${from + i}`,
          level: 'error',
          fingerprint: [`cluster-${from + i}`],
        }));
        const answer = await call('POST', '/api/v1/projects/acme/api/events/batch', { events });
        expect(answer.status).toBe(202);
      }
    };
    try {
      await Promise.all(Array.from({ length: 2 }, ingest));
      phases.push(`ingested in ${Date.now() - begin} ms`);
      await within(killed, PATIENCE_MS, 'a worker to be killed midway');
      phases.push(`worker killed at ${Date.now() - begin} ms`);
      // The work is the workers' state: watch the queue (`/readyz`, one query) until none is left,
      // boundedly, then read the history once: paging through it all again and again would slow the run.
      while ((await outstanding()) > 0 && Date.now() - begin < PATIENCE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      phases.push(`queue empty at ${Date.now() - begin} ms`);
      const notifications = await history();
      phases.push(`${notifications.length} notifications`);
      // Exactly: a job run twice would show a second notification for its event.
      expect(notifications).toHaveLength(EVENTS);
    } catch (error) {
      throw withLogs(error);
    }
  }, 540_000);

  it('every delivery reaches the webhook, each webhook-id once but for sends cut by the kill', async () => {
    const begin = Date.now();
    try {
      await within(allArrived.promise, PATIENCE_MS, `${EVENTS} webhook ids`);
      let notifications = await history();
      const unsent = () => notifications.flatMap((n) => n.deliveries.filter((d) => d.status !== 'sent'));
      while (unsent().length > 0 && Date.now() - begin < PATIENCE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        notifications = await history();
      }
      phases.push(`all delivered at ${Date.now() - begin} ms`);
      expect(notifications.filter((n) => n.deliveries.length !== 1)).toEqual([]);
      expect(unsent()).toEqual([]);
    } catch (error) {
      throw withLogs(error);
    }
    expect(arrivals.size).toBe(EVENTS);
    // A send cut by the SIGKILL is sent again under the same webhook-id (receivers dedupe by it): at
    // most what the killed worker had in flight, its concurrency of deliveries.
    const repeats = [...arrivals.values()].reduce((sum, count) => sum + count - 1, 0);
    expect(repeats).toBeLessThanOrEqual(DEFAULT_CONCURRENCY);
    process.stdout.write(
      `cluster: ${EVENTS} events → ${EVENTS} notifications, ${arrivals.size} webhook ids, ${repeats} sent twice; ` +
        `worker killed after ${KILL_AFTER} webhooks; ${phases.join(', ')}; ${Date.now() - started} ms in all\n`,
    );
  }, 540_000);

  it("resolves a Prometheus alert that is not sent again once its end passes, by a worker's own sweep, and says so once", async () => {
    const now = Date.now();
    const alerts = '/api/v1/projects/acme/api/alertmanager/api/v2/alerts';
    const alert = {
      labels: { alertname: 'ReplicaLag', instance: 'db-1', severity: 'warning' },
      annotations: { summary: 'Replica db-1 is behind' },
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 1_500).toISOString(),
    };
    try {
      expect((await call('POST', alerts, [alert])).status).toBe(200);
      const issues = await call('GET', '/api/v1/projects/acme/api/issues?query=ReplicaLag');
      const issueId = issues.body.data[0].id as string;
      // Workers sweep every 2 seconds: the end passes, and within a sweep the issue is resolved.
      let status = '';
      while (status !== 'resolved' && Date.now() - now < 60_000) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        status = (await call('GET', `/api/v1/issues/${issueId}`)).body.status;
      }
      expect(status).toBe('resolved');
      const told = () => bodies.filter((b) => b.issueId === issueId).map((b) => b.type);
      while (told().length < 2 && Date.now() - now < 90_000)
        await new Promise((resolve) => setTimeout(resolve, 250));
      expect(told()).toEqual(['issue_alert', 'resolved']);
    } catch (error) {
      throw withLogs(error);
    }
  }, 120_000);

  // Each job leaves dead row versions that every poll reads until a vacuum: the workers do not wait for
  // autovacuum's next visit (a minute at most) to clear them.
  it('the workers vacuumed the job table while they worked through the jobs', async () => {
    const [row] = await pgQuery<{ vacuums: number }>(
      `select vacuum_count as vacuums from pg_stat_user_tables where schemaname = $1 and relname = 'jobs'`,
      [schema],
    );
    expect(Number(row?.vacuums)).toBeGreaterThan(0);
  });
});
