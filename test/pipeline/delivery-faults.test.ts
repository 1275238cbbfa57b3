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
    sink = await startHttpPeer(async (req, body, res) => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      // Verified as a receiver would: a forged or altered message throws here and is answered 599.
      const verified = verifyOnClock(body.toString(), headers) as { data: { issue: { title: string } } };
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

  /**
   * Standard Webhooks verification by a receiver whose clock is the test clock: the signature through the
   * library, the timestamp within its five minutes of `clock` (the library's own check reads the wall
   * clock, which the cases here leave behind as they move through retries and cool-downs).
   */
  function verifyOnClock(body: string, headers: Record<string, string>): unknown {
    const seconds = Number(headers['webhook-timestamp']);
    if (!(Math.abs(clock.now() / 1000 - seconds) <= 300))
      throw new Error('webhook-timestamp out of tolerance');
    const expected = new Webhook(SIGNING_SECRET).sign(
      headers['webhook-id'] ?? '',
      new Date(seconds * 1000),
      body,
    );
    if (!(headers['webhook-signature'] ?? '').split(' ').includes(expected))
      throw new Error('no matching signature');
    return JSON.parse(body);
  }

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

  /**
   * Events of one case, each its own issue, titled `<case>: …` and numbered from `from`; one request for
   * all of them.
   */
  async function ingest(name: string, count: number, from = 0): Promise<void> {
    const events = Array.from({ length: count }, (_, i) => i + from).map((n) => ({
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

  it('a receiver down for many events: after 5 failures the rest are held unsent (circuit_open), then each goes once', async () => {
    const ruleId = await setUp('outage');
    let down = true;
    plans.set('outage', () => (down ? { status: 503 } : { status: 200 }));
    const t0 = clock.now();
    // One event at a time, so the integration's failures are consecutive and counted in order.
    for (let n = 0; n < 5; n++) {
      await ingest('outage', 1, n);
      await settle();
    }
    expect(arrivalsOf('outage').map((a) => a.answered)).toEqual([503, 503, 503, 503, 503]);
    const coolDownEnd = new Date(t0 + 60_000).toISOString();

    // The circuit is open: new alerts wait for the end of the cool-down without being tried.
    await ingest('outage', 4, 5);
    await settle();
    let deliveries = await deliveriesOf(ruleId);
    const fresh = deliveries.filter((d) => d.attempts === 0);
    expect(fresh).toHaveLength(4);
    for (const d of fresh)
      expect(d).toMatchObject({ status: 'failed', reason: 'circuit_open', nextAttemptAt: coolDownEnd });
    // So do the retries of the first five, due within the cool-down: held, not attempted.
    clock.set(t0 + 59_999);
    await settle();
    deliveries = await deliveriesOf(ruleId);
    expect(deliveries).toHaveLength(9);
    for (const d of deliveries)
      expect(d).toMatchObject({ status: 'failed', reason: 'circuit_open', nextAttemptAt: coolDownEnd });
    expect(deliveries.map((d) => d.attempts).sort()).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(arrivalsOf('outage')).toHaveLength(5);

    // The receiver is back; past the cool-down one probe goes first, then the rest.
    down = false;
    const settled = await retryUntilSettled(ruleId);
    expectDeliveredOnce(settled, 9);
    const seen = arrivalsOf('outage');
    expect(seen).toHaveLength(5 + 9);
    const accepted = seen.filter((a) => a.answered === 200);
    expect(Math.min(...accepted.map((a) => a.at))).toBe(t0 + 60_000);
    expect(accepted.filter((a) => a.at === t0 + 60_000)).toHaveLength(1);
  });

  it('a probe refused for good (422) does not keep the circuit open: the next cool-down probes again', async () => {
    const ruleId = await setUp('refusing-probe');
    let down = true;
    let refusals = 1;
    plans.set('refusing-probe', () => {
      if (down) return { status: 503 };
      return refusals-- > 0 ? { status: 422 } : { status: 200 };
    });
    const t0 = clock.now();
    for (let n = 0; n < 5; n++) {
      await ingest('refusing-probe', 1, n);
      await settle();
    }
    await ingest('refusing-probe', 2, 5);
    await settle();
    expect(arrivalsOf('refusing-probe')).toHaveLength(5);

    // The receiver answers again, but refuses the probe's message itself: that one is a dead letter, and
    // the circuit is probed once more after another cool-down instead of holding the others for ever.
    down = false;
    const settled = await retryUntilSettled(ruleId);
    const dead = settled.filter((d) => d.status === 'dead');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: 'http_422' });
    expectDeliveredOnce(
      settled.filter((d) => d.status !== 'dead'),
      6,
    );
    const answered = arrivalsOf('refusing-probe').map((a) => [a.at - t0, a.answered]);
    expect(answered.slice(5, 7)).toEqual([
      [60_000, 422],
      [120_000, 200],
    ]);
    expect(answered).toHaveLength(5 + 1 + 6);
  });

  it('a receiver that always answers 500 is tried 8 times, then the delivery is dead (attempts_exhausted)', async () => {
    const ruleId = await setUp('down');
    plans.set('down', () => ({ status: 500 }));
    const t0 = clock.now();
    await ingest('down', 1);
    const [delivery] = await retryUntilSettled(ruleId);
    expect(delivery).toMatchObject({
      status: 'dead',
      reason: 'attempts_exhausted',
      attempts: 8,
      nextAttemptAt: null,
      lastError: expect.stringContaining('500'),
    });
    const seen = arrivalsOf('down');
    expect(seen.map((a) => a.answered)).toEqual(Array(8).fill(500));
    expect(new Set(seen.map((a) => a.webhookId))).toEqual(new Set([delivery!.id]));

    // The history lists each attempt; their spacing is the backoff (cap 15 s doubling to 10 min), or the
    // circuit's cool-down of one minute once 5 failures opened it, and all of it within half an hour.
    const [notification] = (await h.request('GET', `/api/v1/orgs/acme/notifications?rule=${ruleId}`)).body
      .data;
    const timeline = await h.request('GET', `/api/v1/orgs/acme/notifications/${notification.id}`);
    expect(timeline.status).toBe(200);
    const attempts: { attempt: number; outcome: string; code: string; startedAt: string }[] =
      timeline.body.deliveries[0].sendAttempts;
    expect(attempts.map((a) => [a.attempt, a.outcome, a.code])).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n, 'transient', 'http_500']),
    );
    const starts = attempts.map((a) => Date.parse(a.startedAt));
    expect(starts).toEqual(seen.map((a) => a.at));
    expect(starts[0]).toBe(t0);
    const caps = [15_000, 30_000, 60_000, 120_000, 240_000, 480_000, 600_000];
    caps.forEach((cap, i) => {
      const gap = starts[i + 1]! - starts[i]!;
      expect(gap).toBeGreaterThanOrEqual(1_000);
      expect(gap).toBeLessThanOrEqual(Math.max(cap, 60_000));
    });
    expect(starts[7]! - t0).toBeLessThanOrEqual(30 * 60_000);

    const dead = await h.request('GET', '/api/v1/orgs/acme/deliveries?status=dead&channel=webhook');
    expect(dead.body.data.find((d: { id: string }) => d.id === delivery!.id)).toMatchObject({
      reason: 'attempts_exhausted',
      attempts: 8,
    });
    // However long one waits, a dead letter is not tried again until it is replayed.
    clock.advance(86_400_000);
    await settle();
    expect(arrivalsOf('down')).toHaveLength(8);
  });
  it("an organization's own number of attempts ends a failing delivery sooner (PUT /orgs/{org}/retries)", async () => {
    expect((await h.request('GET', '/api/v1/orgs/acme/retries')).body).toEqual({ maxAttempts: 8 });
    const put = await h.request('PUT', '/api/v1/orgs/acme/retries', { maxAttempts: 3 });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ maxAttempts: 3 });
    const bad = await h.request('PUT', '/api/v1/orgs/acme/retries', { maxAttempts: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('maxAttempts');
    try {
      const ruleId = await setUp('short');
      plans.set('short', () => ({ status: 503 }));
      await ingest('short', 1);
      const [delivery] = await retryUntilSettled(ruleId);
      expect(delivery).toMatchObject({ status: 'dead', reason: 'attempts_exhausted', attempts: 3 });
      expect(arrivalsOf('short').map((a) => a.answered)).toEqual([503, 503, 503]);
    } finally {
      await h.request('PUT', '/api/v1/orgs/acme/retries', { maxAttempts: 8 });
    }
  });
});
