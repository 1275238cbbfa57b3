import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/**
 * Another organization's resources are indistinguishable from missing ones: an org key of B gets the
 * same 404 body for A's resources as for ids that never existed, and never sees them in a list.
 */
describe.skipIf(SKIP_PROFILE)('tenant isolation', () => {
  let h: TestHerald;
  let keyB: string;
  let integrationA: string;
  let integrationB: string;

  beforeAll(async () => {
    h = await startHerald();
    for (const slug of ['org-a', 'org-b']) {
      await h.request('POST', '/api/v1/orgs', { slug });
      await h.request('POST', `/api/v1/orgs/${slug}/members`, { email: `owner@${slug}.test`, role: 'owner' });
      await h.request('POST', `/api/v1/orgs/${slug}/teams`, { slug: `${slug}-team` });
      await h.request('POST', `/api/v1/orgs/${slug}/projects`, { slug: `${slug}-project` });
      await h.request('POST', `/api/v1/orgs/${slug}/api-keys`, { name: `${slug}-key` });
    }
    integrationA = (
      await h.request('POST', '/api/v1/orgs/org-a/integrations', {
        provider: 'pagerduty',
        name: 'A pager',
        secrets: { routingKey: 'rk-a' },
      })
    ).body.id;
    integrationB = (
      await h.request('POST', '/api/v1/orgs/org-b/integrations', {
        provider: 'pagerduty',
        name: 'B pager',
        secrets: { routingKey: 'rk-b' },
      })
    ).body.id;
    keyB = (await h.request('POST', '/api/v1/orgs/org-b/api-keys', { name: 'b' })).body.token;
  });
  afterAll(() => h?.close());

  const missingOrg = async (path: string, method = 'GET', body?: unknown) => {
    const foreign = await h.request(method, path, body, { token: keyB });
    const missing = await h.request(method, path.replace('org-a', 'no-such-org'), body, { token: keyB });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
    return foreign;
  };

  it.each([
    ['organization', 'GET', '/api/v1/orgs/org-a'],
    ['organization update', 'PATCH', '/api/v1/orgs/org-a', { name: 'taken over' }],
    ['members', 'GET', '/api/v1/orgs/org-a/members'],
    ['member add', 'POST', '/api/v1/orgs/org-a/members', { email: 'intruder@b.test' }],
    ['teams', 'GET', '/api/v1/orgs/org-a/teams'],
    ['team create', 'POST', '/api/v1/orgs/org-a/teams', { slug: 'intruders' }],
    ['projects', 'GET', '/api/v1/orgs/org-a/projects'],
    ['project', 'GET', '/api/v1/orgs/org-a/projects/org-a-project'],
    ['project create', 'POST', '/api/v1/orgs/org-a/projects', { slug: 'intrusion' }],
    ['integrations', 'GET', '/api/v1/orgs/org-a/integrations'],
    ['api keys', 'GET', '/api/v1/orgs/org-a/api-keys'],
    ['api key create', 'POST', '/api/v1/orgs/org-a/api-keys', { name: 'mine now' }],
  ])('%s of another organization is a 404', async (_name, method, path, body?: unknown) => {
    await missingOrg(path, method, body);
  });

  it("another organization's integration is a 404 even through one's own organization", async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const body = method === 'PATCH' ? { name: 'stolen' } : undefined;
      const viaOwnOrg = await h.request(method, `/api/v1/orgs/org-b/integrations/${integrationA}`, body, {
        token: keyB,
      });
      const neverExisted = await h.request(method, '/api/v1/orgs/org-b/integrations/int_missing', body, {
        token: keyB,
      });
      expect(viaOwnOrg.status).toBe(404);
      expect(viaOwnOrg.body).toEqual(neverExisted.body);
      const viaAdmin = await h.request(method, `/api/v1/orgs/org-b/integrations/${integrationA}`, body);
      expect(viaAdmin.status).toBe(404);
    }
    const intact = await h.request('GET', `/api/v1/orgs/org-a/integrations/${integrationA}`);
    expect(intact.body.name).toBe('A pager');
  });

  it('nothing of the other organization was written or listed', async () => {
    const lists = ['members', 'teams', 'projects', 'integrations', 'api-keys'];
    for (const list of lists) {
      const own = await h.request('GET', `/api/v1/orgs/org-b/${list}`, undefined, { token: keyB });
      expect(own.status).toBe(200);
      expect(own.text).not.toContain('org-a');
      const theirs = await h.request('GET', `/api/v1/orgs/org-a/${list}`);
      expect(theirs.text).not.toMatch(/intru|mine now|stolen/);
    }
    const orgs = await h.request('GET', '/api/v1/orgs', undefined, { token: keyB });
    expect(orgs.body.data.map((o: { slug: string }) => o.slug)).toEqual(['org-b']);
    const own = await h.request('GET', `/api/v1/orgs/org-b/integrations/${integrationB}`, undefined, {
      token: keyB,
    });
    expect(own.status).toBe(200);
  });

  /**
   * A's delivery, notification, person, issue and rule, asked for by id through B's own organization and
   * projects with B's key: the same 404 as an id that never existed, and nothing of A changes.
   */
  describe("another organization's records by id", () => {
    let receiver: TestPeer;
    let received = 0;
    let ownerA: string;
    let ownerAToken: string;
    let ownerB: string;
    let issueA: string;
    let ruleA: string;
    let notificationA: string;
    let deliveryA: string;

    beforeAll(async () => {
      // A receiver that refuses every message for good, so A's delivery becomes a dead letter.
      receiver = await startHttpPeer((_req, _body, res) => {
        received += 1;
        res.writeHead(422);
        res.end();
      });
      const members = async (slug: string) =>
        (await h.request('GET', `/api/v1/orgs/${slug}/members`)).body.data[0].userId as string;
      ownerA = await members('org-a');
      ownerB = await members('org-b');
      ownerAToken = (await h.request('POST', `/api/v1/users/${ownerA}/tokens`, {})).body.token;
      const hook = await h.request('POST', '/api/v1/orgs/org-a/integrations', {
        provider: 'webhook',
        name: 'A hook',
        config: { url: `${receiver.url}/hook` },
      });
      expect(hook.status, hook.text).toBe(201);
      const rule = await h.request('POST', '/api/v1/projects/org-a/org-a-project/rules', {
        name: 'A rule',
        conditions: [{ id: 'first_seen_event' }],
        actions: [{ id: 'webhook', integration: hook.body.id }],
      });
      expect(rule.status, rule.text).toBe(201);
      ruleA = rule.body.id;
      const event = await h.request('POST', '/api/v1/projects/org-a/org-a-project/events', {
        message: 'A broke',
      });
      expect(event.status, event.text).toBe(202);
      issueA = event.body.issueId;
      for (let i = 0; i < 4; i++) await h.engine.queue.drain();
      const history = await h.request('GET', `/api/v1/orgs/org-a/notifications?rule=${ruleA}`);
      notificationA = history.body.data[0].id;
      deliveryA = history.body.data[0].deliveries[0].id;
      expect(history.body.data[0].deliveries[0]).toMatchObject({ status: 'dead', reason: 'http_422' });
      const settings = await h.request('PUT', `/api/v1/users/${ownerA}/notification-settings`, {
        settings: [{ type: 'alerts', channel: 'email', scopeType: 'user', scopeId: ownerA, value: 'never' }],
      });
      expect(settings.status, settings.text).toBe(200);
    });
    afterAll(() => receiver?.close());

    /** Asks for `path` and for `path` with A's id replaced by one that never existed, with B's key. */
    const likeMissing = async (method: string, path: string, foreignId: string, body?: unknown) => {
      const foreign = await h.request(method, path, body, { token: keyB });
      const neverExisted = foreignId.replace(/_.*$/, '_06h4z00000000000000000000');
      const missing = await h.request(method, path.replace(foreignId, neverExisted), body, { token: keyB });
      expect(missing.status).toBe(404);
      expect(foreign.status, foreign.text).toBe(404);
      expect(foreign.body).toEqual(missing.body);
    };

    /** What A's owner, A's admin view and A's receiver see of A's records. */
    const stateOfA = async () => ({
      deliveries: (await h.request('GET', '/api/v1/orgs/org-a/deliveries')).body,
      notification: (await h.request('GET', `/api/v1/orgs/org-a/notifications/${notificationA}`)).body,
      settings: (await h.request('GET', `/api/v1/users/${ownerA}/notification-settings`)).body,
      issue: (await h.request('GET', `/api/v1/issues/${issueA}`, undefined, { token: ownerAToken })).body,
      rule: (await h.request('GET', `/api/v1/projects/org-a/org-a-project/rules/${ruleA}`)).body,
      received,
    });

    it('a delivery of A cannot be replayed through B, one by one or in bulk', async () => {
      const before = await stateOfA();
      await likeMissing('POST', `/api/v1/orgs/org-b/deliveries/${deliveryA}/retry`, deliveryA);
      const bulk = await h.request(
        'POST',
        '/api/v1/orgs/org-b/deliveries/retry',
        { ids: [deliveryA] },
        { token: keyB },
      );
      expect(bulk.status).toBe(202);
      expect(bulk.body).toEqual({ data: [], held: [] });
      for (let i = 0; i < 4; i++) await h.engine.queue.drain();
      expect(await stateOfA()).toEqual(before);
      expect(before.received).toBe(1);
    });

    it("a notification of A is not in B's history", async () => {
      await likeMissing('GET', `/api/v1/orgs/org-b/notifications/${notificationA}`, notificationA);
      const list = await h.request('GET', `/api/v1/orgs/org-b/notifications?issue=${issueA}`, undefined, {
        token: keyB,
      });
      expect(list.status).toBe(200);
      expect(list.body.data).toEqual([]);
    });

    it("a person of A: B's key neither reads nor changes their notification settings", async () => {
      const before = await stateOfA();
      const path = `/api/v1/users/${ownerA}/notification-settings`;
      await likeMissing('GET', path, ownerA);
      const put = {
        settings: [{ type: 'alerts', channel: 'email', scopeType: 'user', scopeId: ownerA, value: 'always' }],
        options: { timezone: 'Asia/Tokyo' },
      };
      await likeMissing('PUT', path, ownerA, put);
      expect(await stateOfA()).toEqual(before);
      // B's own person is within reach of B's key, so the 404 above is about A, not about the route.
      const own = await h.request('GET', `/api/v1/users/${ownerB}/notification-settings`, undefined, {
        token: keyB,
      });
      expect(own.status).toBe(200);
    });

    it("an issue of A cannot be followed or left through B's key", async () => {
      const before = await stateOfA();
      for (const userId of [ownerA, ownerB]) {
        await likeMissing('POST', `/api/v1/issues/${issueA}/subscription`, issueA, { userId });
        await likeMissing('DELETE', `/api/v1/issues/${issueA}/subscription`, issueA, { userId });
      }
      expect(await stateOfA()).toEqual(before);
    });

    it("a rule of A is not a rule of B's project, nor reachable through A's project", async () => {
      const before = await stateOfA();
      const viaB = `/api/v1/projects/org-b/org-b-project/rules/${ruleA}`;
      await likeMissing('GET', viaB, ruleA);
      await likeMissing('PUT', viaB, ruleA, {
        name: 'taken',
        conditions: [{ id: 'every_event' }],
        actions: [],
      });
      await likeMissing('DELETE', viaB, ruleA);
      await missingOrg(`/api/v1/projects/org-a/org-a-project/rules/${ruleA}`);
      expect(await stateOfA()).toEqual(before);
      expect(before.rule).toMatchObject({ id: ruleA, name: 'A rule' });
    });
  });

  it('the admin token sees both organizations', async () => {
    const orgs = await h.request('GET', '/api/v1/orgs');
    expect(orgs.body.data.map((o: { slug: string }) => o.slug)).toEqual(['org-a', 'org-b']);
    for (const slug of ['org-a', 'org-b']) {
      const projects = await h.request('GET', `/api/v1/orgs/${slug}/projects`);
      expect(projects.body.data).toHaveLength(1);
    }
  });
});
