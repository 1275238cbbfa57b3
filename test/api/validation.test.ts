import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** Every bad input gets its status and a body naming the field; nothing is written. */
describe.skipIf(SKIP_PROFILE)('input validation', () => {
  let h: TestHerald;
  beforeAll(async () => {
    h = await startHerald({ bodyLimit: 64 * 1024 });
    await h.request('POST', '/api/v1/orgs', { slug: 'v' });
  });
  afterAll(() => h?.close());

  const paths = (answer: { body: { error: { details: { path: string }[] } } }) =>
    answer.body.error.details.map((d) => d.path);

  it.each([
    ['missing field', '/api/v1/orgs', {}, ['slug']],
    ['wrong type', '/api/v1/orgs', { slug: 42 }, ['slug']],
    ['bad slug', '/api/v1/orgs', { slug: 'Not A Slug' }, ['slug']],
    ['overlong', '/api/v1/orgs', { slug: 'a'.repeat(65) }, ['slug']],
    ['unknown field', '/api/v1/orgs', { slug: 'ok', colour: 'red' }, ['']],
    ['unknown enum', '/api/v1/orgs/v/members', { email: 'a@b.test', role: 'emperor' }, ['role']],
    ['bad email', '/api/v1/orgs/v/members', { email: 'not-an-email' }, ['email']],
    [
      'bad time zone',
      '/api/v1/orgs/v/members',
      { email: 'a@b.test', timezone: 'Mars/Olympus' },
      ['timezone'],
    ],
    [
      'several bad fields',
      '/api/v1/orgs/v/members',
      { email: 5, role: 'x', locale: '!!' },
      ['email', 'role', 'locale'],
    ],
    [
      'unknown provider',
      '/api/v1/orgs/v/integrations',
      { provider: 'carrier-pigeon', name: 'p' },
      ['provider'],
    ],
    [
      'bad webhook url',
      '/api/v1/orgs/v/integrations',
      { provider: 'webhook', name: 'w', config: { url: 'ftp://x' } },
      ['config.url'],
    ],
    [
      'unknown webhook body format',
      '/api/v1/orgs/v/integrations',
      { provider: 'webhook', name: 'w', config: { url: 'https://x.test/h', format: 'prometheus' } },
      ['config.format'],
    ],
    [
      'webhook authorization that is not a header value',
      '/api/v1/orgs/v/integrations',
      {
        provider: 'webhook',
        name: 'w',
        config: { url: 'https://x.test/h' },
        secrets: { authorization: 'Bearer x\r\nX-Injected: 1' },
      },
      ['secrets.authorization'],
    ],
  ])('%s → 400 naming the field', async (_name, path, body, expected) => {
    const answer = await h.request('POST', path, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_input');
    expect(answer.body.error.message).toBeTypeOf('string');
    expect(paths(answer)).toEqual(expected);
  });

  it("says what is wrong in Herald's words, the same for every field", async () => {
    const answer = await h.request('POST', '/api/v1/orgs/v/members', {
      email: 42,
      name: 'n'.repeat(300),
      role: 'emperor',
      colour: 'red',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([
      { path: 'email', message: 'must be a string' },
      { path: 'name', message: expect.stringMatching(/^must have at most \d+ characters$/) },
      { path: 'role', message: 'must be one of: owner, admin, member' },
      { path: '', message: 'has no field "colour"' },
    ]);
    const missing = await h.request('POST', '/api/v1/orgs', {});
    expect(missing.body.error.details).toEqual([{ path: 'slug', message: 'is required' }]);
    const limits = await h.request('PUT', '/api/v1/orgs/v/throttle', {
      limits: { email: { limit: 0, windowSeconds: 60 } },
    });
    expect(limits.body.error.details).toEqual([
      { path: 'limits.email.limit', message: 'must be at least 1' },
    ]);
  });

  it('malformed JSON → 400 malformed_json', async () => {
    const answer = await h.request('POST', '/api/v1/orgs', undefined, { raw: '{"slug": "x",' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('malformed_json');
  });

  it('oversized body → 413', async () => {
    const answer = await h.request('POST', '/api/v1/orgs', { slug: 'big', name: 'x'.repeat(70 * 1024) });
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('payload_too_large');
  });

  it('unknown route → 404 in the error shape', async () => {
    const answer = await h.request('GET', '/api/v1/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('not_found');
  });

  it('nothing was written by the rejected requests', async () => {
    const orgs = await h.request('GET', '/api/v1/orgs');
    expect(orgs.body.data.map((o: { slug: string }) => o.slug)).toEqual(['v']);
    const members = await h.request('GET', '/api/v1/orgs/v/members');
    expect(members.body.data).toEqual([]);
    const integrations = await h.request('GET', '/api/v1/orgs/v/integrations');
    expect(integrations.body.data).toEqual([]);
  });
});
