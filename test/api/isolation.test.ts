import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('the admin token sees both organizations', async () => {
    const orgs = await h.request('GET', '/api/v1/orgs');
    expect(orgs.body.data.map((o: { slug: string }) => o.slug)).toEqual(['org-a', 'org-b']);
    for (const slug of ['org-a', 'org-b']) {
      const projects = await h.request('GET', `/api/v1/orgs/${slug}/projects`);
      expect(projects.body.data).toHaveLength(1);
    }
  });
});
