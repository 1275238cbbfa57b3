import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

describe.skipIf(SKIP_PROFILE)('operations endpoints', () => {
  let h: TestHerald;
  beforeAll(async () => {
    h = await startHerald();
  });
  afterAll(() => h?.close());

  it('/healthz and /readyz answer without a token', async () => {
    expect((await h.request('GET', '/healthz', undefined, { token: null })).body).toEqual({ status: 'ok' });
    const ready = await h.request('GET', '/readyz', undefined, { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database).toBe(true);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = await h.request('GET', '/api/v1/openapi.json', undefined, { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/orgs',
        '/api/v1/orgs/{org}/integrations/{id}',
        '/api/v1/orgs/{org}/projects',
      ]),
    );
    // A DELETE that answers no content is documented so; the Sentry SDK endpoints are listed.
    type Responses = Record<string, { content?: object }>;
    for (const [path, methods] of Object.entries(doc.body.paths) as [
      string,
      Record<string, { responses: Responses }>,
    ][]) {
      const ok = methods['delete']?.responses['200'];
      if (ok) expect(ok.content, `${path} documents a 200 with no body`).toBeDefined();
    }
    expect(
      Object.keys(doc.body.paths['/api/v1/orgs/{org}/templates/{type}/{channel}'].delete.responses),
    ).toEqual(['204']);
    expect(doc.body.paths['/api/{projectId}/envelope/'].post.security).toEqual([]);
    const ui = await fetch(`${h.url}/docs/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('echoes a request id and logs requests as JSON without credentials', async () => {
    const answer = await h.request('GET', '/api/v1/orgs', undefined, {
      headers: { 'x-request-id': 'trace-42' },
    });
    expect(answer.headers.get('x-request-id')).toBe('trace-42');
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.reqId === 'trace-42');
    expect(line).toMatchObject({ msg: 'request', method: 'GET', status: 200 });
    expect(h.logs.join('\n')).not.toContain('test-admin-token');
  });
});
