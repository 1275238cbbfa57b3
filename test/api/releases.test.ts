import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { releases } from '../../src/people/releases.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

describe.skipIf(SKIP_PROFILE)('releases and deploys', () => {
  let h: TestHerald;
  const clock = manualClock('2026-04-01T08:00:00Z');
  const id: Record<string, string> = {};
  const base = '/api/v1/projects/acme/api/releases';

  beforeAll(async () => {
    h = await startHerald({}, { clock });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    await h.request('POST', '/api/v1/orgs', { slug: 'foreign' });
    for (const name of ['alice', 'bob', 'carol']) {
      id[name] = (
        await h.request('POST', '/api/v1/orgs/acme/members', { email: `${name}@example.com` })
      ).body.userId;
      clock.advance(1000);
    }
    id.api = (await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' })).body.id;
    await h.request('POST', '/api/v1/orgs/foreign/projects', { slug: 'secret' });
  });
  afterAll(() => h?.close());

  it('creates a release with commits, refuses a duplicate version, and lists newest first', async () => {
    const created = await h.request('POST', base, {
      version: '1.0.0',
      commits: [
        { id: 'a1', message: 'Fix invoices', authorEmail: 'Bob@Example.com', authorName: 'Bob' },
        { id: 'a2', authorEmail: 'outsider@example.org' },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: '1.0.0', projectId: id.api, deploys: [] });
    expect(created.body.commits[0]).toEqual({
      id: 'a1',
      message: 'Fix invoices',
      authorEmail: 'bob@example.com',
      authorName: 'Bob',
    });
    id.release = created.body.id;

    const dup = await h.request('POST', base, { version: '1.0.0' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details).toEqual([{ path: 'version', message: 'exists' }]);
    const badVersion = await h.request('POST', base, { version: 'a/b', commits: [{ id: '' }] });
    expect(badVersion.status).toBe(400);
    expect(badVersion.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'version',
      'commits.0.id',
    ]);

    clock.advance(60_000);
    await h.request('POST', base, { version: '1.1.0' });
    const list = await h.request('GET', base);
    expect(list.body.data.map((r: { version: string }) => r.version)).toEqual(['1.1.0', '1.0.0']);
    expect(
      (await h.request('GET', '/api/v1/projects/foreign/secret/releases', undefined, { token: null })).status,
    ).toBe(401);
  });

  it('records deploys and answers the latest release, overall or per environment', async () => {
    const deploy = await h.request('POST', `${base}/1.0.0/deploys`, { environment: 'production' });
    expect(deploy.status).toBe(201);
    expect(deploy.body).toMatchObject({ environment: 'production' });
    expect((await h.request('POST', `${base}/9.9.9/deploys`, { environment: 'production' })).status).toBe(
      404,
    );
    expect((await h.request('POST', `${base}/1.0.0/deploys`, {})).body.error.details[0].path).toBe(
      'environment',
    );

    const service = h.engine.services.releases;
    expect(await service.latestRelease(id.api!)).toMatchObject({ version: '1.1.0' });
    expect(await service.latestRelease(id.api!, 'production')).toMatchObject({ version: '1.0.0' });
    expect(await service.latestRelease(id.api!, 'staging')).toBeNull();
    clock.advance(60_000);
    await h.request('POST', `${base}/1.1.0/deploys`, { environment: 'production' });
    expect(await service.latestRelease(id.api!, 'production')).toMatchObject({
      version: '1.1.0',
      at: clock.now(),
    });
    const listed = await h.request('GET', base);
    expect(listed.body.data[1].deploys.map((d: { environment: string }) => d.environment)).toEqual([
      'production',
    ]);
  });

  it('answers one release by its version, to members too, and 404 for a version or project it lacks', async () => {
    await h.request('POST', base, { version: 'web@2.0.0+build.7', commits: [{ id: 'c3', message: 'Ship' }] });
    await h.request('POST', `${base}/web@2.0.0+build.7/deploys`, { environment: 'staging' });
    const one = await h.request('GET', `${base}/${encodeURIComponent('web@2.0.0+build.7')}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      version: 'web@2.0.0+build.7',
      commits: [{ id: 'c3', message: 'Ship' }],
      deploys: [{ environment: 'staging' }],
    });
    const older = await h.request('GET', `${base}/1.0.0`);
    expect(older.body.deploys.map((d: { environment: string }) => d.environment)).toEqual(['production']);

    const token = (await h.request('POST', `/api/v1/users/${id.alice}/tokens`, { name: 'alice' })).body.token;
    const asMember = await h.request('GET', `${base}/1.1.0`, undefined, { token });
    expect(asMember.status).toBe(200);
    expect(asMember.body.version).toBe('1.1.0');

    const missing = await h.request('GET', `${base}/9.9.9`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('Release not found');
    expect(
      (await h.request('GET', '/api/v1/projects/foreign/secret/releases/1.0.0', undefined, { token })).status,
    ).toBe(404);
  });

  it("writes the job that tells a deploy's people with the deploy: a process gone right after still has it told", async () => {
    const db = h.engine.store.db;
    const deploys = async () =>
      (await h.request('GET', '/api/v1/orgs/acme/notifications?type=deploy&limit=100')).body.data.length;
    await h.engine.queue.drain();
    const before = await deploys();
    // A service whose process stops once the deploy is committed: nobody is told of its job.
    const service = releases({ db, clock });
    const orgId = (await h.request('GET', '/api/v1/orgs/acme')).body.id;
    const deploy = await service.deploy(orgId, id.api!, '1.0.0', 'staging');
    const job = await db
      .selectFrom('jobs')
      .select(['kind', 'payload'])
      .where('id', '=', `deploy_${deploy.id}`)
      .executeTakeFirstOrThrow();
    expect(job.kind).toBe('deploy');
    expect(JSON.parse(job.payload)).toMatchObject({
      deployId: deploy.id,
      version: '1.0.0',
      environment: 'staging',
      releaseId: id.release,
    });
    // The next worker's poll finds it.
    await h.engine.queue.drain();
    expect(await deploys()).toBe(before + 1);
  });

  it('sends deploys to `always` and to committers with `committed_only`, matched by email', async () => {
    await h.request('PUT', `/api/v1/users/${id.carol}/notification-settings`, {
      settings: [{ type: 'deploy', channel: null, scopeType: 'user', scopeId: id.carol, value: 'always' }],
    });
    const found = await h.engine.services.recipients.deployRecipients(id.release!);
    expect(found.map((r) => [r.email, r.committed])).toEqual([
      ['bob@example.com', true],
      ['carol@example.com', false],
    ]);
    await h.request('PUT', `/api/v1/users/${id.bob}/notification-settings`, {
      settings: [{ type: 'deploy', channel: null, scopeType: 'project', scopeId: id.api, value: 'never' }],
    });
    const after = await h.engine.services.recipients.deployRecipients(id.release!);
    expect(after.map((r) => r.email)).toEqual(['carol@example.com']);
  });
});
