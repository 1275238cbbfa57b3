import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** Organizations' Liquid overrides: save, syntax errors, preview, isolation, sandbox limits. */
describe.skipIf(SKIP_PROFILE)('template overrides API', () => {
  let h: TestHerald;
  let keyB: string;
  const base = '/api/v1/orgs/org-a/templates';

  beforeAll(async () => {
    h = await startHerald();
    for (const slug of ['org-a', 'org-b']) await h.request('POST', '/api/v1/orgs', { slug });
    keyB = (await h.request('POST', '/api/v1/orgs/org-b/api-keys', { name: 'b' })).body.token;
  });
  afterAll(() => h?.close());

  it('saves, reads, replaces and deletes an override', async () => {
    const parts = { subject: '🚨 {{ project.name }}: {{ issue.title }}', html: '<p>{{ issue.title }}</p>' };
    const saved = await h.request('PUT', `${base}/issue_alert/email`, { parts });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ type: 'issue_alert', channel: 'email', parts });

    const read = await h.request('GET', `${base}/issue_alert/email`);
    expect(read.status).toBe(200);
    expect(read.body.parts).toEqual(parts);

    const replaced = await h.request('PUT', `${base}/issue_alert/email`, {
      parts: { subject: 'New: {{ issue.title }}' },
    });
    expect(replaced.status).toBe(200);
    expect((await h.request('GET', `${base}/issue_alert/email`)).body.parts).toEqual({
      subject: 'New: {{ issue.title }}',
    });

    expect((await h.request('DELETE', `${base}/issue_alert/email`)).status).toBe(204);
    expect((await h.request('GET', `${base}/issue_alert/email`)).status).toBe(404);
    expect((await h.request('DELETE', `${base}/issue_alert/email`)).status).toBe(404);
  });

  it('lists the organization’s overrides, which its members read and preview but do not change', async () => {
    await h.request('PUT', `${base}/resolved/slack`, { parts: { text: 'Fixed: {{ issue.title }}' } });
    await h.request('PUT', `${base}/deploy/inapp`, { parts: { title: 'Deployed {{ release.version }}' } });
    const list = await h.request('GET', base);
    expect(list.status).toBe(200);
    expect(list.body.data.map((t: { type: string; channel: string }) => `${t.type}/${t.channel}`)).toEqual([
      'deploy/inapp',
      'resolved/slack',
    ]);
    expect(list.body.data[1].parts).toEqual({ text: 'Fixed: {{ issue.title }}' });
    expect(
      (await h.request('GET', '/api/v1/orgs/org-b/templates', undefined, { token: keyB })).body.data,
    ).toEqual([]);

    const ivy = (await h.request('POST', '/api/v1/orgs/org-a/members', { email: 'ivy@a.test' })).body.userId;
    const token = (await h.request('POST', `/api/v1/users/${ivy}/tokens`, { name: 'cli' })).body.token;
    expect((await h.request('GET', base, undefined, { token })).body.data).toHaveLength(2);
    const preview = await h.request('POST', `${base}/resolved/slack/preview`, {}, { token });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.overridden).toBe(true);
    const change = await h.request('PUT', `${base}/resolved/slack`, { parts: { text: 'x' } }, { token });
    expect(change.status).toBe(403);
    for (const path of ['resolved/slack', 'deploy/inapp']) await h.request('DELETE', `${base}/${path}`);
  });

  it('rejects a syntax error with its line and column, naming the part', async () => {
    const answer = await h.request('PUT', `${base}/issue_alert/slack`, {
      parts: { text: 'ok {{ issue.title }}', blocks: '[\n  {"type": "section", "text": {{ issue.title }\n]' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_input');
    expect(answer.body.error.details).toEqual([
      { path: 'parts.blocks', message: expect.stringMatching(/^line 2, column 31: output .* not closed/) },
    ]);
    expect((await h.request('GET', `${base}/issue_alert/slack`)).status).toBe(404);
  });

  it('rejects parts a channel does not have and JSON parts that render to broken JSON', async () => {
    const unknown = await h.request('PUT', `${base}/issue_alert/push`, { parts: { html: 'x' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0]).toMatchObject({
      path: 'parts.html',
      message: expect.stringContaining('title, body'),
    });

    const broken = await h.request('PUT', `${base}/issue_alert/webhook`, {
      parts: { data: '{"title": {{ issue.title }}}' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.details[0]).toMatchObject({
      path: 'parts.data',
      message: expect.stringContaining('JSON'),
    });
  });

  it('stops a runaway template at save time', async () => {
    const started = Date.now();
    const answer = await h.request('PUT', `${base}/digest/inapp`, {
      parts: { body: '{% for i in (1..100000000) %}{{ i }}{% endfor %}' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].path).toBe('parts.body');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('previews with sample data, a given payload, a draft and a language', async () => {
    const sample = await h.request('POST', `${base}/issue_alert/inapp/preview`, {});
    expect(sample.status).toBe(200);
    expect(sample.body).toMatchObject({
      overridden: false,
      content: { title: expect.stringContaining('TypeError') },
    });

    const draft = await h.request('POST', `${base}/resolved/push/preview`, {
      parts: { title: '✔ {{ issue.title }} ({{ actor.name }})' },
      locale: 'de',
    });
    expect(draft.status).toBe(200);
    expect(draft.body.overridden).toBe(true);
    expect(draft.body.content.title).toMatch(/^✔ TypeError: .* \(Mia Schneider\)$/);
    expect(draft.body.content.body).toContain('hat dieses Problem als gelöst markiert');

    const alert = (await h.request('POST', `${base}/issue_alert/webhook/preview`, {})).body.content;
    alert.data.issue.title = 'Custom <title>';
    const { notificationId: _, ...payload } = alert.data;
    const given = await h.request('POST', `${base}/issue_alert/slack/preview`, { payload });
    expect(given.status).toBe(200);
    expect(given.body.content.text).toContain('Custom &lt;title&gt;');

    const invalid = await h.request('POST', `${base}/issue_alert/slack/preview`, { payload: { issue: {} } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((d: { path: string }) => d.path)).toContain('payload.issue.title');
  });

  it('uses the stored override in previews', async () => {
    await h.request('PUT', `${base}/deploy/pagerduty`, {
      parts: { summary: 'Shipped {{ release.version }}' },
    });
    const preview = await h.request('POST', `${base}/deploy/pagerduty/preview`, {});
    expect(preview.body).toMatchObject({
      overridden: true,
      content: { summary: 'Shipped checkout-api@2.14.0' },
    });
  });

  it('answers 404 for unknown types and 400 for unknown channels', async () => {
    expect((await h.request('GET', `${base}/no_such_type/email`)).status).toBe(404);
    expect((await h.request('PUT', `${base}/no_such_type/email`, { parts: { subject: 'x' } })).status).toBe(
      404,
    );
    expect((await h.request('GET', `${base}/issue_alert/fax`)).status).toBe(400);
  });

  it('hides one organization’s templates from another', async () => {
    await h.request('PUT', `${base}/release/email`, { parts: { subject: 'Org A release' } });
    const paths: [string, string, unknown?][] = [
      ['GET', `${base}/release/email`],
      ['PUT', `${base}/release/email`, { parts: { subject: 'taken over' } }],
      ['DELETE', `${base}/release/email`],
      ['POST', `${base}/release/email/preview`, {}],
    ];
    for (const [method, path, body] of paths) {
      const foreign = await h.request(method, path, body, { token: keyB });
      const missing = await h.request(method, path.replace('org-a', 'no-such-org'), body, { token: keyB });
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual(missing.body);
    }
    expect(
      (await h.request('GET', '/api/v1/orgs/org-b/templates/release/email', undefined, { token: keyB }))
        .status,
    ).toBe(404);
    expect((await h.request('GET', `${base}/release/email`)).body.parts).toEqual({
      subject: 'Org A release',
    });
  });

  it('documents the routes in OpenAPI', async () => {
    const spec = (await h.request('GET', '/api/v1/openapi.json')).body;
    expect(Object.keys(spec.paths)).toContain('/api/v1/orgs/{org}/templates/{type}/{channel}/preview');
  });
});
