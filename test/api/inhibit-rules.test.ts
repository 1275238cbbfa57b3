import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { opsOrg } from '../helpers/ops-org.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const RULES = '/api/v1/projects/ops/infra/inhibit-rules';

/** Herald's inhibit rules API: create, list, read, delete; validation and roles. */
describe.skipIf(SKIP_PROFILE)('inhibit rules API', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let tokens: Awaited<ReturnType<typeof opsOrg>>;
  const body = (extra: Record<string, unknown> = {}) => ({
    sourceMatchers: [{ name: 'severity', value: 'critical' }],
    targetMatchers: [{ name: 'severity', value: 'warning' }],
    equal: ['alertname', 'instance'],
    ...extra,
  });

  beforeAll(async () => {
    h = await startHerald();
    clock = h.clock as ManualClock;
    tokens = await opsOrg(h);
  });
  afterAll(() => h?.close());

  it('creates a rule (201) with its defaults, reads it, lists newest first and deletes it', async () => {
    const created = await h.request(
      'POST',
      RULES,
      body({
        targetMatchers: [
          { name: 'severity', value: 'warning|info', isRegex: true },
          { name: 'team', value: 'db', isEqual: false },
        ],
        equal: ['alertname', 'instance', 'alertname'],
        comment: ' A critical alert says it all ',
      }),
      { token: tokens.owner },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^inh_/),
      sourceMatchers: [{ name: 'severity', value: 'critical', isRegex: false, isEqual: true }],
      targetMatchers: [
        { name: 'severity', value: 'warning|info', isRegex: true, isEqual: true },
        { name: 'team', value: 'db', isRegex: false, isEqual: false },
      ],
      equal: ['alertname', 'instance'],
      comment: 'A critical alert says it all',
      createdAt: new Date(clock.now()).toISOString(),
      mutedEvents: 0,
      lastMutedAt: null,
    });
    expect((await h.request('GET', `${RULES}/${created.body.id}`)).body).toEqual(created.body);

    clock.advance(1_000);
    // An API key manages them too; `equal` and `comment` may be left out.
    const bare = await h.request(
      'POST',
      RULES,
      { sourceMatchers: body().sourceMatchers, targetMatchers: body().targetMatchers },
      { token: tokens.key },
    );
    expect(bare.status, JSON.stringify(bare.body)).toBe(201);
    expect(bare.body).toMatchObject({ equal: [], comment: '' });
    const ids = async () => ((await h.request('GET', RULES)).body.data as { id: string }[]).map((r) => r.id);
    expect(await ids()).toEqual([bare.body.id, created.body.id]);

    expect((await h.request('DELETE', `${RULES}/${bare.body.id}`)).status).toBe(204);
    expect(await ids()).toEqual([created.body.id]);
    expect((await h.request('GET', `${RULES}/${bare.body.id}`)).status).toBe(404);
    expect((await h.request('DELETE', `${RULES}/${bare.body.id}`)).status).toBe(404);
  });

  it('refuses a bad rule, naming each bad field', async () => {
    const problems = async (payload: unknown) => {
      const answer = await h.request('POST', RULES, payload);
      expect(answer.status).toBe(400);
      return (answer.body.error.details as { path: string; message: string }[]).map((d) => d.path);
    };
    expect(await problems({ targetMatchers: body().targetMatchers })).toEqual(['sourceMatchers']);
    expect(await problems(body({ sourceMatchers: [] }))).toEqual(['sourceMatchers']);
    expect(await problems(body({ targetMatchers: [] }))).toEqual(['targetMatchers']);
    expect(
      await problems(
        body({ targetMatchers: Array.from({ length: 21 }, (_, i) => ({ name: `n${i}`, value: 'x' })) }),
      ),
    ).toEqual(['targetMatchers']);
    expect(
      await problems(body({ sourceMatchers: [{ name: 'job', value: '(node', isRegex: true }] })),
    ).toEqual(['sourceMatchers.0.value']);
    expect(await problems(body({ targetMatchers: [{ name: '', value: 'x' }] }))).toEqual([
      'targetMatchers.0.name',
    ]);
    expect(await problems(body({ equal: Array.from({ length: 21 }, (_, i) => `l${i}`) }))).toEqual(['equal']);
    expect(await problems(body({ equal: ['instance', ''] }))).toEqual(['equal.1']);
    expect(await problems(body({ equal: 'instance' }))).toEqual(['equal']);
    expect(await problems(body({ comment: 'x'.repeat(1001) }))).toEqual(['comment']);
    expect(await problems(body({ mute: true }))).toEqual(['']);
    // A target that every alert without the label matches is a fair one: it mutes only while a source
    // with the same `equal` values fires.
    const broad = await h.request(
      'POST',
      RULES,
      body({ targetMatchers: [{ name: 'severity', value: 'critical', isEqual: false }] }),
    );
    expect(broad.status).toBe(201);
    expect((await h.request('DELETE', `${RULES}/${broad.body.id}`)).status).toBe(204);
  });

  it('a member reads rules but may not create or delete one; other organizations see none', async () => {
    const made = (await h.request('POST', RULES, body())).body;
    const listed = await h.request('GET', RULES, undefined, { token: tokens.member });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((r: { id: string }) => r.id)).toContain(made.id);
    expect((await h.request('GET', `${RULES}/${made.id}`, undefined, { token: tokens.member })).status).toBe(
      200,
    );
    const refused = await h.request('POST', RULES, body(), { token: tokens.member });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(
      (await h.request('DELETE', `${RULES}/${made.id}`, undefined, { token: tokens.member })).status,
    ).toBe(403);
    expect((await h.request('GET', `${RULES}/${made.id}`)).status).toBe(200);

    await h.request('POST', '/api/v1/orgs', { slug: 'rival' });
    const rival = (await h.request('POST', '/api/v1/orgs/rival/api-keys', { name: 'k' })).body.token;
    expect((await h.request('GET', RULES, undefined, { token: rival })).status).toBe(404);
    expect((await h.request('GET', `${RULES}/${made.id}`, undefined, { token: rival })).status).toBe(404);
    expect((await h.request('DELETE', `${RULES}/${made.id}`, undefined, { token: rival })).status).toBe(404);
    expect((await h.request('GET', RULES, undefined, { token: null })).status).toBe(401);
  });

  it('refuses a project its 101st rule, naming the limit; deleting one makes room', async () => {
    await h.request('POST', '/api/v1/orgs/ops/projects', { slug: 'busy' });
    const BUSY = '/api/v1/projects/ops/busy/inhibit-rules';
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const created = await h.request('POST', BUSY, body({ comment: `rule ${i}` }));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      ids.push(created.body.id);
    }
    const full = {
      code: 'conflict',
      message: 'The project has 100 inhibit rules: delete some before adding more',
    };
    const refused = await h.request('POST', BUSY, body());
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject(full);
    expect((await h.request('GET', BUSY)).body.data).toHaveLength(100);

    expect((await h.request('DELETE', `${BUSY}/${ids[0]}`)).status).toBe(204);
    expect((await h.request('POST', BUSY, body())).status).toBe(201);
    expect((await h.request('POST', BUSY, body())).body.error).toMatchObject(full);
    // Other projects of the organization have room of their own.
    expect((await h.request('POST', RULES, body())).status).toBe(201);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await h.request('GET', '/api/v1/openapi.json', undefined, { token: null })).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/projects/{org}/{project}/inhibit-rules',
        '/api/v1/projects/{org}/{project}/inhibit-rules/{id}',
      ]),
    );
  });
});
