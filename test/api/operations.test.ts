import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer } from '../../src/delivery/channel-test-kit.js';
import { notificationTypes } from '../../src/notifications/registry.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { jsonSchemaValidator } from '../helpers/json-schema.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** The body schema of a webhook entry of the OpenAPI document. */
// biome-ignore lint/suspicious/noExplicitAny: the document is arbitrary JSON that tests inspect freely
const bodySchemaOf = (entry: any) => entry?.post?.requestBody?.content?.['application/json']?.schema;

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
    // Every schema a route names by reference is in the document, where the reference points.
    const refs = [...JSON.stringify(doc.body).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    const unresolved = refs.filter(
      (ref) =>
        ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], doc.body) ===
        undefined,
    );
    expect(unresolved).toEqual([]);
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

  it('documents what Herald POSTs to webhooks, one entry per notification type', async () => {
    const doc = (await h.request('GET', '/api/v1/openapi.json', undefined, { token: null })).body;
    const ids = notificationTypes().map((type) => type.id);
    expect(ids).toEqual(
      expect.arrayContaining(['issue_alert', 'resolved', 'digest', 'integration_disabled']),
    );
    expect(Object.keys(doc.webhooks)).toEqual(ids);
    for (const id of ids) {
      const post = doc.webhooks[id].post;
      const schema = bodySchemaOf(doc.webhooks[id]);
      expect(schema.required, id).toEqual(['type', 'version', 'timestamp', 'data']);
      expect(schema.properties.type.const, id).toBe(id);
      expect(schema.properties.version.const, id).toBe(1);
      expect(schema.properties.data.required, id).toContain('notificationId');
      expect(
        post.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
        id,
      ).toEqual([
        'header:webhook-id',
        'header:webhook-timestamp',
        'header:webhook-signature',
        'header:herald-webhook-version',
      ]);
      expect(post.security, id).toEqual([]);
    }
  });

  it('a webhook body as delivered is valid by the documented schema of its type and carries its version', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const received: { body: { type: string; version: number }; version: string | undefined }[] = [];
    const sink = await startHttpPeer((req, body, res) => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      // As a receiver does: the signature first, then the body it covers.
      const verified = new Webhook(secret).verify(body.toString(), headers) as (typeof received)[0]['body'];
      received.push({ body: verified, version: req.headers['herald-webhook-version'] as string | undefined });
      res.end();
    });
    try {
      await h.request('POST', '/api/v1/orgs', { slug: 'hooks', name: 'Hooks' });
      await h.request('POST', '/api/v1/orgs/hooks/projects', { slug: 'api', name: 'API' });
      const hook = await h.request('POST', '/api/v1/orgs/hooks/integrations', {
        provider: 'webhook',
        name: 'Receiver',
        config: { url: `${sink.url}/hook` },
        secrets: { signingSecret: secret },
      });
      const rule = await h.request('POST', '/api/v1/projects/hooks/api/rules', {
        name: 'Every new issue',
        conditions: [{ id: 'first_seen_event' }],
        actions: [{ id: 'webhook', integration: hook.body.id }],
      });
      expect([hook.status, rule.status]).toEqual([201, 201]);
      const { issueId } = (
        await h.request('POST', '/api/v1/projects/hooks/api/events', {
          message: 'Card declined for order 42',
          level: 'error',
          tags: { service: 'billing' },
        })
      ).body;
      for (let i = 0; i < 5; i++) await h.engine.queue.drain();
      await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'resolved' });
      for (let i = 0; i < 5; i++) await h.engine.queue.drain();

      const doc = (await h.request('GET', '/api/v1/openapi.json', undefined, { token: null })).body;
      expect(received.map((r) => r.body.type)).toEqual(expect.arrayContaining(['issue_alert', 'resolved']));
      for (const { body, version } of received) {
        const validate = jsonSchemaValidator(bodySchemaOf(doc.webhooks[body.type]));
        expect(validate(body), body.type).toEqual([]);
        expect([body.version, version], body.type).toEqual([1, '1']);
      }
    } finally {
      await sink.close();
    }
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
