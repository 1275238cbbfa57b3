import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

describe.skipIf(SKIP_PROFILE)('Idempotency-Key', () => {
  let h: TestHerald;
  beforeAll(async () => {
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'idem' });
  });
  afterAll(() => h?.close());

  it('a replay with the same key and body returns the first answer and writes once', async () => {
    const headers = { 'idempotency-key': 'create-project-1' };
    const first = await h.request('POST', '/api/v1/orgs/idem/projects', { slug: 'once' }, { headers });
    const second = await h.request('POST', '/api/v1/orgs/idem/projects', { slug: 'once' }, { headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const list = await h.request('GET', '/api/v1/orgs/idem/projects');
    expect(list.body.data).toHaveLength(1);
  });

  it('keeps the answer sealed: a new API key is replayed, never readable in the database', async () => {
    const headers = { 'idempotency-key': 'create-key-1' };
    const first = await h.request('POST', '/api/v1/orgs/idem/api-keys', { name: 'deploy-bot' }, { headers });
    const again = await h.request('POST', '/api/v1/orgs/idem/api-keys', { name: 'deploy-bot' }, { headers });
    expect(first.body.token).toMatch(/^hrk_/);
    expect(again.body).toEqual(first.body);
    const kept = await h.engine.store.db.selectFrom('idempotency_keys').selectAll().execute();
    expect(kept.length).toBeGreaterThan(0);
    expect(JSON.stringify(kept)).not.toContain(first.body.token);
    expect(JSON.stringify(kept)).not.toContain(first.body.token.slice(0, 16));
  });

  it('the same key with another body → 422', async () => {
    const headers = { 'idempotency-key': 'create-project-2' };
    await h.request('POST', '/api/v1/orgs/idem/projects', { slug: 'first' }, { headers });
    const other = await h.request('POST', '/api/v1/orgs/idem/projects', { slug: 'second' }, { headers });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_mismatch');
    const list = await h.request('GET', '/api/v1/orgs/idem/projects');
    expect(list.body.data.map((p: { slug: string }) => p.slug)).not.toContain('second');
  });

  it('keys are per caller: another key holder with the same key is not answered from the first', async () => {
    const token = (await h.request('POST', '/api/v1/orgs/idem/api-keys', { name: 'k' })).body.token;
    const headers = { 'idempotency-key': 'shared-key' };
    const byAdmin = await h.request('POST', '/api/v1/orgs/idem/teams', { slug: 'a-team' }, { headers });
    const byKey = await h.request('POST', '/api/v1/orgs/idem/teams', { slug: 'a-team' }, { headers, token });
    expect(byAdmin.status).toBe(201);
    expect(byKey.status).toBe(409);
  });

  it('an error answer is remembered too (4xx), a replay does not write', async () => {
    const headers = { 'idempotency-key': 'bad-team' };
    const first = await h.request(
      'POST',
      '/api/v1/orgs/idem/teams',
      { slug: 'b', memberIds: ['usr_x'] },
      { headers },
    );
    const again = await h.request(
      'POST',
      '/api/v1/orgs/idem/teams',
      { slug: 'b', memberIds: ['usr_x'] },
      { headers },
    );
    expect(first.status).toBe(400);
    expect(again.status).toBe(400);
    expect(again.body).toEqual(first.body);
  });
});
