import type { ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const SIGNING_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** How the sink treats one arrival: an HTTP answer, no answer at all, or a dropped connection. */
type Fault = { status: number; headers?: Record<string, string> } | 'hang' | 'close';

/** One request the sink received, stamped with the test clock, and the status it answered (if any). */
interface Arrival {
  readonly webhookId: string;
  readonly title: string;
  readonly at: number;
  answered: number | null;
}

interface DeliveryView {
  id: string;
  status: string;
  reason: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  integrationId: string | null;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a "random" fault plan is repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A webhook receiver that fails in the ways real ones do (429 with Retry-After, 5xx, no answer past the
 * timeout, a dropped connection) and then recovers. Each case ends with the receiver's view of
 * "delivered once in effect": every webhook-id accepted (answered 2xx) exactly once, and the history
 * saying sent. The webhook-id is the delivery's id, so the two views can be joined.
 */
describe.skipIf(SKIP_PROFILE)('webhook delivery under receiver faults', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let sink: TestPeer;
  const arrivals: Arrival[] = [];
  /** Chooses the fault of an arrival, by the case its issue belongs to. */
  const plans = new Map<string, (arrival: Arrival, earlier: number) => Fault>();

  beforeAll(async () => {
    sink = await startHttpPeer((req, body, res) => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      // Verified as a receiver would: a forged or altered message throws here and is answered 599.
      const verified = new Webhook(SIGNING_SECRET).verify(body.toString(), headers) as {
        data: { issue: { title: string } };
      };
      const arrival: Arrival = {
        webhookId: headers['webhook-id'] ?? '',
        title: verified.data.issue.title,
        at: clock.now(),
        answered: null,
      };
      const earlier = arrivals.filter((a) => a.webhookId === arrival.webhookId).length;
      arrivals.push(arrival);
      const caseName = arrival.title.split(':')[0] ?? '';
      const fault = plans.get(caseName)?.(arrival, earlier) ?? { status: 200 };
      answer(res, arrival, fault);
    });
    h = await startHerald();
    clock = h.clock as ManualClock;
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
  });

  function answer(res: ServerResponse, arrival: Arrival, fault: Fault): void {
    if (fault === 'hang') return; // the request stays open until Herald gives up and closes it
    if (fault === 'close') {
      res.socket?.destroy();
      return;
    }
    arrival.answered = fault.status;
    res.writeHead(fault.status, fault.headers);
    res.end();
  }

  /** A webhook integration and an every-event rule for the events of one case (tag `case`). */
  async function setUp(name: string, config: Record<string, unknown> = {}): Promise<string> {
    const hook = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'webhook',
      name,
      config: { url: `${sink.url}/hook`, ...config },
      secrets: { signingSecret: SIGNING_SECRET },
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name,
      frequency: 0,
      conditions: [{ id: 'every_event' }],
      filters: [{ id: 'tagged_event', key: 'case', match: 'eq', value: name }],
      actions: [{ id: 'webhook', integration: hook.body.id }],
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    return rule.body.id;
  }

  /** Events of one case, each its own issue, titled `<case>: …`; one request for all of them. */
  async function ingest(name: string, count: number): Promise<void> {
    const events = Array.from({ length: count }, (_, n) => ({
      message: `${name}: receiver fault ${n}`,
      level: 'error',
      tags: { case: name },
      fingerprint: [`${name}-${n}`],
    }));
    const answer = await h.request('POST', '/api/v1/projects/acme/api/events/batch', { events });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  }

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };

  /** The webhook deliveries of a rule's notifications, as the history shows them. */
  async function deliveriesOf(ruleId: string): Promise<DeliveryView[]> {
    const page = await h.request('GET', `/api/v1/orgs/acme/notifications?rule=${ruleId}&limit=200`);
    expect(page.body.nextCursor).toBeNull();
    return page.body.data.flatMap((n: { deliveries: DeliveryView[] }) => n.deliveries);
  }

  /** Moves the clock to each next retry and runs what is due, until nothing waits (boundedly). */
  async function retryUntilSettled(ruleId: string): Promise<DeliveryView[]> {
    await settle();
    let deliveries = await deliveriesOf(ruleId);
    for (let round = 0; round < 30; round++) {
      const waiting = deliveries.filter((d) => d.status === 'failed' && d.nextAttemptAt !== null);
      if (waiting.length === 0) break;
      clock.set(Math.min(...waiting.map((d) => Date.parse(d.nextAttemptAt!))));
      await settle();
      deliveries = await deliveriesOf(ruleId);
    }
    return deliveries;
  }

  /** Every delivery sent, and its webhook-id accepted (answered 2xx) by the receiver exactly once. */
  function expectDeliveredOnce(deliveries: readonly DeliveryView[], events: number): void {
    expect(deliveries).toHaveLength(events);
    expect(deliveries.filter((d) => d.status !== 'sent' && d.status !== 'delivered')).toEqual([]);
    const accepted = new Map<string, number>();
    for (const a of arrivals)
      if (a.answered !== null && a.answered >= 200 && a.answered < 300)
        accepted.set(a.webhookId, (accepted.get(a.webhookId) ?? 0) + 1);
    expect(deliveries.map((d) => accepted.get(d.id) ?? 0)).toEqual(deliveries.map(() => 1));
  }

  const arrivalsOf = (name: string) => arrivals.filter((a) => a.title.startsWith(`${name}:`));

  it('429 with Retry-After: 120 — no retry before 120 s on the clock, then delivered', async () => {
    const ruleId = await setUp('throttled');
    plans.set('throttled', (_a, earlier) =>
      earlier === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 },
    );
    const t0 = clock.now();
    await ingest('throttled', 1);
    await settle();
    let [delivery] = await deliveriesOf(ruleId);
    expect(delivery).toMatchObject({ status: 'failed', reason: 'http_429', attempts: 1 });
    expect(Date.parse(delivery!.nextAttemptAt!)).toBe(t0 + 120_000);

    clock.set(t0 + 119_999);
    await settle();
    expect(arrivalsOf('throttled')).toHaveLength(1);
    [delivery] = await deliveriesOf(ruleId);
    expect(delivery!.status).toBe('failed');

    clock.set(t0 + 120_000);
    await settle();
    const seen = arrivalsOf('throttled');
    expect(seen.map((a) => [a.at - t0, a.answered])).toEqual([
      [0, 429],
      [120_000, 200],
    ]);
    const deliveries = await deliveriesOf(ruleId);
    expect(deliveries[0]).toMatchObject({ attempts: 2 });
    expectDeliveredOnce(deliveries, 1);
  });

  it('a receiver that hangs past the timeout is given up on, retried, and accepts once', async () => {
    // The integration's own timeout (the default is 10 s), so the hang costs the test 300 ms.
    const ruleId = await setUp('hanging', { timeoutMs: 300 });
    plans.set('hanging', (_a, earlier) => (earlier === 0 ? 'hang' : { status: 200 }));
    await ingest('hanging', 1);
    await settle();
    const [first] = await deliveriesOf(ruleId);
    expect(first).toMatchObject({ status: 'failed', reason: 'timeout', attempts: 1 });
    expect(first!.lastError).toContain('no answer within 300 ms');

    const deliveries = await retryUntilSettled(ruleId);
    expect(arrivalsOf('hanging').map((a) => a.answered)).toEqual([null, 200]);
    expectDeliveredOnce(deliveries, 1);
  });

  it('a receiver that drops the connection twice is retried with the same webhook-id until it answers', async () => {
    const ruleId = await setUp('dropping');
    plans.set('dropping', (_a, earlier) => (earlier < 2 ? 'close' : { status: 204 }));
    await ingest('dropping', 1);
    await settle();
    const [first] = await deliveriesOf(ruleId);
    expect(first).toMatchObject({ status: 'failed', reason: 'econnreset', attempts: 1 });

    const deliveries = await retryUntilSettled(ruleId);
    const seen = arrivalsOf('dropping');
    expect(seen.map((a) => a.answered)).toEqual([null, null, 204]);
    expect(new Set(seen.map((a) => a.webhookId))).toEqual(new Set([deliveries[0]!.id]));
    expect(deliveries[0]).toMatchObject({ attempts: 3 });
    expectDeliveredOnce(deliveries, 1);
  });

  it('50 events at once, a seeded third of first attempts failing: each webhook-id accepted once', async () => {
    const events = 50;
    const failures: Fault[] = [
      ...Array.from({ length: 6 }, () => ({ status: 500 })),
      ...Array.from({ length: 6 }, () => ({ status: 429, headers: { 'retry-after': '30' } })),
      ...Array.from({ length: 6 }, () => 'close' as const),
    ];
    const failing = failures.length;
    // Which events meet which failure is shuffled by a seeded generator: random-looking, repeatable.
    const random = seeded(20_260_301);
    const faults: Fault[] = [
      ...failures,
      ...Array.from({ length: events - failing }, () => ({ status: 200 })),
    ];
    for (let i = faults.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [faults[i], faults[j]] = [faults[j]!, faults[i]!];
    }

    const ruleId = await setUp('burst');
    plans.set('burst', (arrival, earlier) => {
      const n = Number(/receiver fault (\d+)$/.exec(arrival.title)?.[1]);
      return earlier === 0 ? (faults[n] ?? { status: 200 }) : { status: 200 };
    });
    await ingest('burst', events);
    const deliveries = await retryUntilSettled(ruleId);

    expectDeliveredOnce(deliveries, events);
    // Each failed first attempt was tried once more, and nothing else was sent twice.
    const seen = arrivalsOf('burst');
    expect(seen).toHaveLength(events + failing);
    expect(new Set(seen.map((a) => a.webhookId)).size).toBe(events);
  });

  it('a permanent refusal is a dead letter after one attempt, its reason listed with the dead letters', async () => {
    const unprocessable = await setUp('refused');
    plans.set('refused', () => ({ status: 422 }));
    const gone = await setUp('gone');
    plans.set('gone', () => ({ status: 410 }));
    await ingest('refused', 1);
    await ingest('gone', 1);
    // However long one waits, a permanent error is not tried again.
    await settle();
    clock.advance(3_600_000);
    await settle();

    const [refused] = await deliveriesOf(unprocessable);
    const [removed] = await deliveriesOf(gone);
    const dead = await h.request('GET', '/api/v1/orgs/acme/deliveries?status=dead&channel=webhook');
    expect(dead.status).toBe(200);
    const byId = new Map(dead.body.data.map((d: { id: string }) => [d.id, d]));
    expect(byId.get(refused!.id)).toMatchObject({ status: 'dead', reason: 'http_422', attempts: 1 });
    expect(byId.get(refused!.id)).toMatchObject({ lastError: expect.stringContaining('HTTP 422') });
    expect(byId.get(removed!.id)).toMatchObject({ status: 'dead', reason: 'http_410', attempts: 1 });
    expect(byId.get(removed!.id)).toMatchObject({ lastError: expect.stringContaining('410 Gone') });
    expect(arrivalsOf('refused').map((a) => a.answered)).toEqual([422]);
    expect(arrivalsOf('gone').map((a) => a.answered)).toEqual([410]);
    // 410 says the endpoint is gone for good: its integration is disabled, the 422 one stays active.
    const integration = (id: string | null) => h.request('GET', `/api/v1/orgs/acme/integrations/${id}`);
    expect((await integration(removed!.integrationId)).body).toMatchObject({
      status: 'disabled',
      disabledReason: 'http_410',
    });
    expect((await integration(refused!.integrationId)).body).toMatchObject({ status: 'active' });
  });
});
