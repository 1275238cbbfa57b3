import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { signal, within } from '../../src/queue/queue-conformance.js';
import {
  adminCall,
  everyEventToWebhook,
  type HeraldProcess,
  ruleHistory,
  serveHerald,
} from '../helpers/herald-process.js';
import { PROFILE, SKIP_PROFILE } from '../helpers/profile.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const ADMIN_TOKEN = 'embedded-admin-token-0123456789';
const SIGNING_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const EVENTS = 2_000;
/** The batch endpoint's largest batch. */
const BATCH = 1_000;
/** Distinct webhook-ids seen before the sink stops answering and the process is killed. */
const KILL_AFTER = 500;
/** Unanswered sends the process holds when it is killed (its queue runs 16 jobs at once). */
const IN_FLIGHT = 8;

/**
 * The embedded profile: one `herald serve` process (API and workers) on a data folder, no Redis. It is
 * SIGKILLed in the middle of a burst while sends are in flight, then started again on the same data;
 * every message still arrives, and none is accepted twice. On the PostgreSQL test profile the same
 * single process keeps its state in PostgreSQL instead of the SQLite file (the job table queue either way).
 */
describe.skipIf(SKIP_PROFILE)(`one process killed mid-burst and restarted (${PROFILE})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-embedded-'));
  let database: TestDatabase;
  const nodes: HeraldProcess[] = [];
  /** Requests per webhook-id, answered or not. */
  const arrivals = new Map<string, number>();
  /** 2xx answers the sink wrote per webhook-id: what a receiver has accepted. */
  const accepted = new Map<string, number>();
  const allAccepted = signal();
  const holdingStarted = signal();
  /** Requests left unanswered: the sends in flight when the process dies. */
  let held = 0;
  let holding = false;
  let sink: TestPeer;
  let url = '';
  let ruleId = '';
  const phases: string[] = [];
  const started = Date.now();

  function serve(): HeraldProcess {
    const node = serveHerald([], {
      ...(database.databaseUrl ? { HERALD_DATABASE_URL: database.databaseUrl } : {}),
      HERALD_DATA_DIR: dataDir,
      HERALD_SECRET_KEY: 'embedded-secret-key-0123456789abcdef0123',
      HERALD_ADMIN_TOKEN: ADMIN_TOKEN,
      HERALD_ALLOW_PRIVATE_TARGETS: 'true',
      HERALD_LOG_LEVEL: 'info',
    });
    nodes.push(node);
    return node;
  }

  const call = adminCall(() => url, ADMIN_TOKEN);
  const history = () => ruleHistory(call, ruleId);

  /** Webhook sends the process has recorded as sent (its Prometheus counter). */
  async function recordedSent(): Promise<number> {
    const text = await (await fetch(`${url}/metrics`)).text();
    return sampleValue(parsePromText(text), 'herald_deliveries_total', {
      channel: 'webhook',
      status: 'sent',
    });
  }

  /** Looks again, boundedly, until `done` holds; the state is another process's. */
  async function until(done: () => Promise<boolean>, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  function withLogs(error: unknown): Error {
    const logs = nodes.map((node) => node.output().split('\n').slice(-8).join('\n')).join('\n---\n');
    const totals = `${arrivals.size} webhook ids arrived, ${accepted.size} accepted, ${held} held`;
    return new Error(`${String(error)}; ${totals}; ${phases.join(', ')}; logs:\n${logs}`, { cause: error });
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await startHttpPeer((req, body, res) => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      new Webhook(SIGNING_SECRET).verify(body.toString(), headers);
      const id = headers['webhook-id'] ?? '';
      arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
      if (arrivals.size === KILL_AFTER && !holding) {
        holding = true;
        holdingStarted.resolve();
      }
      // Unlike the cluster test, no held answer is released later: every held request belongs to the
      // one process, which dies with them; an answer written after that would reach nobody.
      if (holding) {
        held++;
        return;
      }
      accepted.set(id, (accepted.get(id) ?? 0) + 1);
      if (accepted.size === EVENTS) allAccepted.resolve();
      res.end();
    });
    url = await within(serve().ready, 60_000, 'the herald process');

    ruleId = await everyEventToWebhook(call, `${sink.url}/hook`, SIGNING_SECRET);
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exited));
    await sink?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every event makes one notification, every webhook-id is accepted once, across a SIGKILL', async () => {
    const begin = Date.now();
    const first = nodes[0]!;
    try {
      for (let from = 0; from < EVENTS; from += BATCH) {
        // One issue per event, so an every-event rule fires for each.
        const events = Array.from({ length: Math.min(BATCH, EVENTS - from) }, (_, i) => ({
          message: `Timeout calling service ${from + i}`,
          level: 'error',
          fingerprint: [`embedded-${from + i}`],
        }));
        const answer = await call('POST', '/api/v1/projects/acme/api/events/batch', { events });
        expect(answer.status).toBe(202);
      }
      phases.push(`ingested in ${Date.now() - begin} ms`);

      await within(holdingStarted.promise, 120_000, `${KILL_AFTER} webhook ids`);
      // Killed with several sends hanging, and only once every answer the sink wrote is recorded as sent:
      // a send answered but not yet recorded is rightly sent again after a crash (at least once), and
      // would count as accepted twice here although nothing went wrong. So what is in flight at the kill
      // is unanswered, may arrive again under its webhook-id, and each webhook-id must be accepted
      // exactly once in all. (A held send that times out meanwhile is retried, and held again.)
      await until(
        async () => held >= IN_FLIGHT && (await recordedSent()) === accepted.size,
        30_000,
        `${IN_FLIGHT} sends in flight and every answered one recorded`,
      );
      first.child.kill('SIGKILL');
      await within(first.exited, 10_000, 'the process to die');
      holding = false;
      phases.push(
        `killed at ${Date.now() - begin} ms with ${held} sends in flight, ${accepted.size} accepted`,
      );

      const restarted = serve();
      url = await within(restarted.ready, 60_000, 'the restarted process');
      phases.push(`restarted at ${Date.now() - begin} ms`);
      // On SQLite the restarted process takes back at once what the killed one had claimed (the file is
      // this host's, so a worker that is gone is known to be gone); on PostgreSQL, where a worker of
      // another host may be alive, sends cut by the kill wait out their lease (a minute).
      if (!database.databaseUrl)
        expect(restarted.output()).toContain('took back the work a stopped process had claimed');
      await within(allAccepted.promise, 240_000, `${EVENTS} webhook ids accepted`);
      phases.push(`all accepted at ${Date.now() - begin} ms`);
      // Nothing left to run: no later duplicate can come.
      await until(
        async () => {
          const ready = await call('GET', '/readyz');
          return ready.body.queue.due === 0 && ready.body.queue.delayed === 0;
        },
        120_000,
        'an empty queue',
      );
      phases.push(`queue empty at ${Date.now() - begin} ms`);

      const notifications = await history();
      expect(notifications).toHaveLength(EVENTS);
      const deliveries = notifications.flatMap((n) => n.deliveries);
      expect(notifications.filter((n) => n.deliveries.length !== 1)).toEqual([]);
      expect(deliveries.filter((d) => d.status !== 'sent')).toEqual([]);
      // The webhook-id is the delivery id: each delivery's message was accepted exactly once.
      expect(deliveries.map((d) => accepted.get(d.id) ?? 0)).toEqual(deliveries.map(() => 1));
      expect(accepted.size).toBe(EVENTS);
    } catch (error) {
      throw withLogs(error);
    }
    const repeats = [...arrivals.values()].reduce((sum, count) => sum + count - 1, 0);
    process.stdout.write(
      `embedded crash (${PROFILE}): ${EVENTS} events → ${EVENTS} notifications, ${accepted.size} webhook ids ` +
        `accepted once each, ${repeats} sent again after the kill; ${phases.join(', ')}; ` +
        `${Date.now() - started} ms in all\n`,
    );
  }, 420_000);
});
