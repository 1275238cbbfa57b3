import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { generateWebhookSecret } from '../../src/delivery/channels/webhook/webhook-signature.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

describe.skipIf(SKIP_PROFILE)('integration test send', () => {
  let h: TestHerald;
  let sink: TestPeer;
  let slack: TestPeer;
  let sinkStatus = 204;
  const signingSecret = generateWebhookSecret();
  const botToken = 'xoxb-4242-test-send-secret-token';
  const received: { body: Record<string, unknown>; headers: IncomingHttpHeaders }[] = [];
  const posted: Record<string, unknown>[] = [];
  let webhookId: string;
  let slackId: string;
  let revokedSlackId: string;

  beforeAll(async () => {
    sink = await startHttpPeer((req, body, res) => {
      const payload = new Webhook(signingSecret).verify(body.toString('utf8'), {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      });
      received.push({ body: payload as Record<string, unknown>, headers: req.headers });
      res.writeHead(sinkStatus, sinkStatus === 503 ? { 'retry-after': '7' } : {}).end();
    });
    slack = await startHttpPeer((req, body, res) => {
      const reply = (value: unknown): void =>
        void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.headers.authorization !== `Bearer ${botToken}`)
        return reply({ ok: false, error: 'invalid_auth' });
      const args = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      const parsed = String(req.headers['content-type']).startsWith('application/json')
        ? JSON.parse(body.toString('utf8'))
        : args;
      posted.push(parsed);
      if (parsed.channel !== '#alerts') return reply({ ok: false, error: 'channel_not_found' });
      reply({ ok: true, channel: 'C0ALERTS', ts: '1767225600.000100' });
    });
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme Corp' });
    await h.request('POST', '/api/v1/orgs', { slug: 'other' });
    webhookId = (
      await h.request('POST', '/api/v1/orgs/acme/integrations', {
        provider: 'webhook',
        name: 'Ops hook',
        config: { url: `${sink.url}/hooks/herald` },
        secrets: { signingSecret },
      })
    ).body.id;
    const slackIntegration = (token: string, name: string) =>
      h.request('POST', '/api/v1/orgs/acme/integrations', {
        provider: 'slack',
        name,
        config: { slackApiUrl: `${slack.url}/api/` },
        secrets: { botToken: token },
      });
    slackId = (await slackIntegration(botToken, 'Acme Slack')).body.id;
    revokedSlackId = (await slackIntegration('xoxb-revoked-0000-token', 'Old Slack')).body.id;
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
    await slack?.close();
  });

  const test = (id: string, body?: unknown, token?: string) =>
    h.request('POST', `/api/v1/orgs/acme/integrations/${id}/test`, body, token ? { token } : {});

  it('sends a signed test message to a webhook and reports the provider’s answer', async () => {
    received.length = 0;
    sinkStatus = 204;
    const answer = await test(webhookId);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      ok: true,
      providerMessageId: expect.any(String),
      providerResponse: 'HTTP 204',
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toMatchObject({
      type: 'integration_test',
      data: {
        test: true,
        organization: { slug: 'acme', name: 'Acme Corp' },
        integration: { id: webhookId, name: 'Ops hook', provider: 'webhook' },
      },
    });
    expect(received[0]?.headers['webhook-id']).toMatch(/\S/);
  });

  it('reports a transient failure with its retry time', async () => {
    sinkStatus = 503;
    const answer = await test(webhookId);
    sinkStatus = 204;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      ok: false,
      error: {
        class: 'transient',
        code: 'http_503',
        message: expect.any(String),
        fatal: false,
        retryAfterMs: 7000,
      },
    });
  });

  it('posts to the Slack channel given in the body', async () => {
    posted.length = 0;
    const answer = await test(slackId, { channel: '#alerts' });
    expect(answer.body).toMatchObject({
      ok: true,
      providerMessageId: expect.stringContaining('1767225600.000100'),
    });
    expect(posted[0]).toMatchObject({ channel: '#alerts' });
    expect(String(posted[0]?.text)).toContain('Acme Slack');
  });

  it('classifies Slack’s channel_not_found as permanent and a revoked token as fatal', async () => {
    const missing = await test(slackId, { channel: '#nowhere' });
    expect(missing.status).toBe(200);
    expect(missing.body).toEqual({
      ok: false,
      error: {
        class: 'permanent',
        code: 'channel_not_found',
        message: expect.any(String),
        fatal: false,
        retryAfterMs: null,
      },
    });
    const revoked = await test(revokedSlackId, { channel: '#alerts' });
    expect(revoked.body.error).toMatchObject({ class: 'permanent', code: 'invalid_auth', fatal: true });
  });

  it('asks for a destination where the provider needs one', async () => {
    const answer = await test(slackId);
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([{ path: 'channel', message: expect.any(String) }]);
  });

  it('is 404 for another organization’s integration', async () => {
    const viaOtherOrg = await h.request('POST', `/api/v1/orgs/other/integrations/${webhookId}/test`);
    expect(viaOtherOrg.status).toBe(404);
    const otherKey = (await h.request('POST', '/api/v1/orgs/other/api-keys', { name: 'ci' })).body.token;
    expect((await test(webhookId, undefined, otherKey)).status).toBe(404);
  });

  it('never shows a secret in an answer or a log line', async () => {
    const answers = [await test(slackId, { channel: '#nowhere' }), await test(webhookId)];
    const text = answers.map((a) => a.text).join('\n') + h.logs.join('\n');
    for (const secret of [botToken, 'xoxb-revoked-0000-token', signingSecret])
      expect(text).not.toContain(secret);
    expect(h.logs.some((l) => l.includes('integration test'))).toBe(true);
  });
});
