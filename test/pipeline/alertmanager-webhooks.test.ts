import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertmanagerPeer, findAlertmanager, startAlertmanager } from '../../bench/alertmanager-peer.js';
import { systemClock } from '../../src/clock.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { pagedOpsProject } from '../helpers/ops-org.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** Debian's prometheus-alertmanager package; CI installs it (.ci/run), where this test must run. */
const ALERTMANAGER = findAlertmanager(false).binary;
const IN_CI = process.env.CI === 'true';
if (!ALERTMANAGER && !IN_CI)
  process.stderr.write(
    '\nAlertmanager is not installed (apt-get install prometheus-alertmanager): the comparison of webhook bodies with it is skipped.\n',
  );

interface Arrival {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are arbitrary JSON that the test inspects
  readonly body: any;
}

/** A receiver that takes every POST and keeps it. */
async function startReceiver(): Promise<{ url: string; arrivals: Arrival[]; server: Server }> {
  const arrivals: Arrival[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      arrivals.push({
        path: req.url ?? '',
        headers: req.headers as Record<string, string>,
        raw,
        body: JSON.parse(raw),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, arrivals, server };
}

/**
 * A receiver built for Alertmanager's webhooks (an incident tool's Alertmanager integration, a bridge to
 * chat) gets the same body from Herald as from Alertmanager itself, firing and resolved: Prometheus's
 * alert is posted to both, each sends to its own path of one receiver, and the bodies are compared field
 * by field (but `receiver` and `externalURL`, which name each sender). Both run on the wall clock.
 */
describe.skipIf(SKIP_PROFILE || (!ALERTMANAGER && !IN_CI))('Alertmanager webhook format', () => {
  let h: TestHerald;
  let am: AlertmanagerPeer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dir = '';
  let key = '';
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const now = Date.now();
  const alert = {
    labels: { alertname: 'DiskFull', instance: 'db-1:9100', severity: 'critical', job: 'node' },
    annotations: { summary: 'Disk of db-1 is 95% full', runbook_url: 'https://runbooks.test/disk' },
    startsAt: new Date(now - 120_000).toISOString(),
    endsAt: new Date(now + 300_000).toISOString(),
    generatorURL: 'http://prometheus.test:9090/graph?g0.expr=disk_used%3E0.95&g0.tab=1',
  };

  const post = async (body: unknown) => {
    const toAm = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(toAm.status).toBe(200);
    const toHerald = await h.request('POST', '/api/v1/projects/ops/infra/alertmanager/api/v2/alerts', body, {
      token: key,
    });
    expect(toHerald.status, toHerald.text).toBe(200);
  };
  const arrivalsAt = (path: string) => receiver.arrivals.filter((a) => a.path === path);
  const waitFor = async (count: number) => {
    const deadline = Date.now() + 20_000;
    while (arrivalsAt('/am').length < count || arrivalsAt('/herald').length < count) {
      if (Date.now() > deadline)
        throw new Error(
          `waited for ${count} bodies: ${JSON.stringify(receiver.arrivals.map((a) => a.path))}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  /** A body without the fields that name its sender, its times as instants. */
  // biome-ignore lint/suspicious/noExplicitAny: see Arrival
  const comparable = ({ receiver: _r, externalURL: _e, alerts, ...body }: any) => ({
    ...body,
    // biome-ignore lint/suspicious/noExplicitAny: see Arrival
    alerts: alerts.map(({ startsAt, endsAt, ...rest }: any) => ({
      ...rest,
      startsAt: Date.parse(startsAt),
      endsAt: Date.parse(endsAt),
    })),
  });

  beforeAll(async () => {
    receiver = await startReceiver();
    dir = mkdtempSync(join(tmpdir(), 'herald-am-'));
    am = await startAlertmanager(ALERTMANAGER ?? 'prometheus-alertmanager', dir, `${receiver.url}/am`, {
      sendResolved: true,
      groupInterval: '1s',
    });
    h = await startHerald({}, { clock: systemClock });
    key = await pagedOpsProject(h, `${receiver.url}/herald`, {
      name: 'Incident tool',
      config: { format: 'alertmanager' },
      secrets: { signingSecret: secret },
    });
  });
  afterAll(async () => {
    await h?.close();
    await am?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends a firing alert as Alertmanager does, and its resolution', async () => {
    await post([alert]);
    await waitFor(1);
    const [fromAm] = arrivalsAt('/am');
    const [fromHerald] = arrivalsAt('/herald');
    expect(fromHerald!.body.receiver).toBe('Incident tool');
    expect(fromHerald!.body.externalURL).toBe(h.url);
    expect(fromAm!.body.status).toBe('firing');
    expect(comparable(fromHerald!.body)).toEqual(comparable(fromAm!.body));
    expect(fromHerald!.body.alerts[0].startsAt && Date.parse(fromHerald!.body.alerts[0].startsAt)).toBe(
      Date.parse(alert.startsAt),
    );
    // Signed all the same (an Alertmanager receiver ignores the headers), without the version header of
    // Herald's own body.
    expect(() => new Webhook(secret).verify(fromHerald!.raw, fromHerald!.headers)).not.toThrow();
    expect(fromHerald!.headers['herald-webhook-version']).toBeUndefined();

    const endsAt = new Date(Date.now() - 1000).toISOString();
    await post([{ ...alert, endsAt }]);
    await waitFor(2);
    const resolvedAm = arrivalsAt('/am')[1]!.body;
    const resolvedHerald = arrivalsAt('/herald')[1]!.body;
    expect(resolvedAm.status).toBe('resolved');
    // Herald tells when it learned the alert ended, Alertmanager the end Prometheus sent: the rest is equal.
    const { alerts: amAlerts, ...amGroup } = comparable(resolvedAm);
    const { alerts: heraldAlerts, ...heraldGroup } = comparable(resolvedHerald);
    expect(heraldGroup).toEqual(amGroup);
    expect({ ...heraldAlerts[0], endsAt: 0 }).toEqual({ ...amAlerts[0], endsAt: 0 });
    expect(heraldAlerts[0].endsAt).toBeGreaterThanOrEqual(Date.parse(endsAt));
    expect(heraldAlerts[0].endsAt).toBeLessThanOrEqual(Date.now());
  });
});

/**
 * An installation that keeps its Alertmanager sends Herald its alerts through a webhook receiver: the
 * real Alertmanager posts its webhook body, with the project's API key as its bearer token, to the
 * project's `alertmanager/webhook`; the alert becomes an issue, and its resolution resolves it.
 */
describe.skipIf(SKIP_PROFILE || (!ALERTMANAGER && !IN_CI))("Alertmanager's webhook to Herald", () => {
  let h: TestHerald;
  let am: AlertmanagerPeer;
  let dir = '';
  const issue = async (instance: string) =>
    (
      (await h.request('GET', '/api/v1/projects/ops/edge/issues?limit=10')).body.data as {
        id: string;
        title: string;
        status: string;
        level: string;
      }[]
    ).find((i) => i.title.includes(instance));
  const until = async <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = await probe();
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`waited for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    h = await startHerald({}, { clock: systemClock });
    await h.request('POST', '/api/v1/orgs', { slug: 'ops' });
    await h.request('POST', '/api/v1/orgs/ops/projects', { slug: 'edge' });
    const key = (await h.request('POST', '/api/v1/orgs/ops/api-keys', { name: 'alertmanager' })).body.token;
    dir = mkdtempSync(join(tmpdir(), 'herald-am-'));
    am = await startAlertmanager(
      ALERTMANAGER ?? 'prometheus-alertmanager',
      dir,
      `${h.url}/api/v1/projects/ops/edge/alertmanager/webhook`,
      { sendResolved: true, groupInterval: '1s', bearerToken: key },
    );
  });
  afterAll(async () => {
    await am?.stop();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('turns the firing alert into an issue and its resolution into the issue resolved', async () => {
    const alert = {
      labels: { alertname: 'EdgeDown', instance: 'edge-7:9100', severity: 'critical' },
      annotations: { summary: 'edge-7 answers no probe' },
      startsAt: new Date(Date.now() - 60_000).toISOString(),
    };
    const toAm = (body: unknown) =>
      fetch(`${am.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await toAm([alert])).status).toBe(200);
    const opened = await until('the issue', () => issue('edge-7'));
    expect(opened).toMatchObject({
      title: 'EdgeDown: edge-7 answers no probe',
      status: 'unresolved',
      level: 'fatal',
    });
    expect((await toAm([{ ...alert, endsAt: new Date(Date.now() - 1000).toISOString() }])).status).toBe(200);
    await until('the resolution', async () => (await issue('edge-7'))?.status === 'resolved');
  });
});
