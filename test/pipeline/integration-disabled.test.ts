import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { type Received, startSmtpPeer } from '../helpers/peers.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** A Slack error code per bot token; a token not named posts fine. */
type SlackFailures = Map<string, string>;

interface HistoryDelivery {
  recipient: { type: string; id: string };
  channel: string;
  status: string;
  reason: string | null;
}

/**
 * A fatal answer (a webhook's 410 Gone, Slack's token_revoked or account_inactive) disables the integration
 * for good, records why, and tells the organization's owners, by email (a real SMTP server) and in their
 * in-app inbox, and nobody else.
 */
describe.skipIf(SKIP_PROFILE)('an integration disabled by a fatal error', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
  let hooks: TestPeer;
  let slack: TestPeer;
  const hookRequests: string[] = [];
  const slackPosts: string[] = [];
  const slackFailures: SlackFailures = new Map();
  const owners: Record<string, string> = {};
  const others: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    hooks = await startHttpPeer((req, _body, res) => {
      hookRequests.push(req.url ?? '');
      res.writeHead(req.url === '/gone' ? 410 : 200);
      res.end();
    });
    slack = await startHttpPeer((req, body, res) => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      slackPosts.push(token);
      const error = slackFailures.get(token);
      const args = Object.fromEntries(new URLSearchParams(body.toString()));
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(
          error
            ? { ok: false, error }
            : { ok: true, channel: args.channel, ts: `${slackPosts.length}.000100` },
        ),
      );
    });
    h = await startHerald();
    clock = h.clock as ManualClock;
    smtp = await startSmtpPeer(clock);
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
    const people = [
      ['olive', 'owner'],
      ['oscar', 'owner'],
      ['adam', 'admin'],
      ['mia', 'member'],
    ] as const;
    for (const [name, role] of people) {
      const added = await h.request('POST', '/api/v1/orgs/acme/members', {
        email: `${name}@acme.test`,
        name,
        role,
      });
      expect(added.status, added.text).toBe(201);
      (role === 'owner' ? owners : others)[name] = added.body.userId;
      tokens[name] = (await h.request('POST', `/api/v1/users/${added.body.userId}/tokens`, {})).body.token;
    }
    expect((await connectSmtp(h, smtp.port)).status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
    await hooks?.close();
    await slack?.close();
  });

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };

  /** An integration and an every-event rule for the events tagged with its case. */
  async function connect(
    name: string,
    integration: Record<string, unknown>,
    action: Record<string, unknown>,
  ) {
    const created = await h.request('POST', '/api/v1/orgs/acme/integrations', { name, ...integration });
    expect(created.status, created.text).toBe(201);
    const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name,
      frequency: 0,
      conditions: [{ id: 'every_event' }],
      filters: [{ id: 'tagged_event', key: 'case', match: 'eq', value: name }],
      actions: [{ ...action, integration: created.body.id }],
    });
    expect(rule.status, rule.text).toBe(201);
    await settle();
    return { integrationId: created.body.id as string, ruleId: rule.body.id as string };
  }

  let events = 0;
  /** One event of a new issue tagged with a case, run through the pipeline. */
  async function alert(name: string): Promise<void> {
    const answer = await h.request('POST', '/api/v1/projects/acme/api/events', {
      message: `${name}: something broke ${++events}`,
      level: 'error',
      tags: { case: name },
      fingerprint: [`disabled-${events}`],
    });
    expect(answer.status, answer.text).toBe(202);
    await settle();
  }

  async function alertDeliveries(ruleId: string): Promise<HistoryDelivery[]> {
    const page = await h.request('GET', `/api/v1/orgs/acme/notifications?rule=${ruleId}`);
    return page.body.data.flatMap((n: { deliveries: HistoryDelivery[] }) => n.deliveries);
  }

  const seenNotices = new Set<string>();
  /** The integration-disabled notices the history lists that were not seen before. */
  async function newNotices(): Promise<{ id: string; deliveries: HistoryDelivery[] }[]> {
    const page = await h.request(
      'GET',
      '/api/v1/orgs/acme/notifications?type=integration_disabled&limit=200',
    );
    const fresh = page.body.data.filter((n: { id: string }) => !seenNotices.has(n.id));
    for (const notice of fresh) seenNotices.add(notice.id);
    return fresh;
  }

  /** The in-app messages of a person, by their personal token. */
  async function inbox(person: string): Promise<{ title: string; type: string; body: string }[]> {
    const page = await h.request('GET', '/api/v1/me/inbox', undefined, { token: tokens[person]! });
    expect(page.status, page.text).toBe(200);
    return page.body.data;
  }

  /** Checks what the owners and the others were told about integration `name` disabled for `reason`. */
  async function expectOwnersTold(integrationId: string, name: string, reason: string, mailsBefore: number) {
    const integration = await h.request('GET', `/api/v1/orgs/acme/integrations/${integrationId}`);
    expect(integration.body).toMatchObject({ status: 'disabled', disabledReason: reason });

    const [notice, ...more] = await newNotices();
    expect(more).toEqual([]);
    const sent = notice!.deliveries.map((d) => `${d.recipient.id} ${d.channel} ${d.status}`).sort();
    const ownerIds = Object.values(owners);
    expect(sent).toEqual(ownerIds.flatMap((id) => [`${id} email sent`, `${id} inapp sent`]).sort());

    const subject = `Integration ${name} was disabled`;
    const mails: Received[] = smtp.mails.slice(mailsBefore).filter((m) => m.subject === subject);
    expect(mails.map((m) => m.to).sort()).toEqual(['olive@acme.test', 'oscar@acme.test']);
    for (const mail of mails) expect(mail.text).toContain(reason);

    for (const owner of Object.keys(owners)) {
      const told = (await inbox(owner)).filter((m) => m.type === 'integration_disabled');
      expect(told.filter((m) => `${m.title}\n${m.body}`.includes(name))).toHaveLength(1);
    }
    for (const other of Object.keys(others)) {
      const told = (await inbox(other)).filter((m) => m.type === 'integration_disabled');
      expect(told).toEqual([]);
      expect(smtp.mails.some((m) => m.to.includes(`${other}@acme.test`))).toBe(false);
    }
  }

  it('a webhook answering 410 Gone: disabled (http_410), the owners told by email and in-app, not the others', async () => {
    const { integrationId, ruleId } = await connect(
      'Billing hook',
      { provider: 'webhook', config: { url: `${hooks.url}/gone` } },
      { id: 'webhook' },
    );
    const mailsBefore = smtp.mails.length;
    await alert('Billing hook');
    expect(await alertDeliveries(ruleId)).toMatchObject([
      { channel: 'webhook', status: 'dead', reason: 'http_410' },
    ]);
    await expectOwnersTold(integrationId, 'Billing hook', 'http_410', mailsBefore);

    // The next alert is not attempted: the receiver hears nothing more, and nobody is told twice.
    const requests = hookRequests.length;
    await alert('Billing hook');
    clock.advance(3_600_000);
    await settle();
    expect(hookRequests).toHaveLength(requests);
    const deliveries = await alertDeliveries(ruleId);
    expect(deliveries.map((d) => [d.status, d.reason]).sort()).toEqual([
      ['dead', 'http_410'],
      ['suppressed', 'integration_disabled'],
    ]);
    expect(await newNotices()).toEqual([]);
  });

  it.each(['token_revoked', 'account_inactive'])(
    'Slack answering %s: disabled with that reason, the owners told by email and in-app, not the others',
    async (error) => {
      const token = `xoxb-${error}`;
      const name = `Slack ${error}`;
      const { integrationId, ruleId } = await connect(
        name,
        { provider: 'slack', config: { slackApiUrl: `${slack.url}/api/` }, secrets: { botToken: token } },
        { id: 'slack', channel: '#alerts' },
      );
      slackFailures.set(token, error);
      const mailsBefore = smtp.mails.length;
      const posts = slackPosts.length;
      await alert(name);
      expect(slackPosts.slice(posts)).toEqual([token]);
      expect(await alertDeliveries(ruleId)).toMatchObject([
        { channel: 'slack', status: 'dead', reason: error },
      ]);
      await expectOwnersTold(integrationId, name, error, mailsBefore);
    },
  );
});
