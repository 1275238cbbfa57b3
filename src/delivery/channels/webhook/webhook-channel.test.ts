import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, TransientDeliveryError } from '../../channel.js';
import { channelConformance, type PeerMode } from '../../channel-conformance.js';
import {
  startHttpPeer,
  type TestPeer,
  testContext,
  testIntegration,
  testMessage,
} from '../../channel-test-kit.js';
import { httpClient } from '../../http-client.js';
import { webhookChannel } from './webhook-channel.js';
import { WEBHOOK_VERSION_HEADER, type WebhookContent } from './webhook-content.js';
import { generateWebhookSecret, signWebhook, webhookSigner } from './webhook-signature.js';

const secret = generateWebhookSecret();
/** The receiver's token, a secret like the signing secret: never in a log line or an error. */
const token = 'Bearer tok_4f9a0c1e7b2d';
const http = httpClient({ allowPrivateTargets: true });
const channel = webhookChannel({ http });
let peer: TestPeer;
let mode: PeerMode | 'gone' | 'missing' = 'ok';
let onHang: (() => void) | undefined;
const received: { body: unknown; headers: IncomingHttpHeaders }[] = [];

function verify(body: string, headers: IncomingHttpHeaders): unknown {
  return new Webhook(secret).verify(body, {
    'webhook-id': String(headers['webhook-id']),
    'webhook-timestamp': String(headers['webhook-timestamp']),
    'webhook-signature': String(headers['webhook-signature']),
  });
}

beforeAll(async () => {
  peer = await startHttpPeer((req, body, res) => {
    let payload: unknown;
    try {
      payload = verify(body.toString('utf8'), req.headers);
    } catch {
      res.writeHead(400).end('bad signature');
      return;
    }
    received.push({ body: payload, headers: req.headers });
    if (mode === 'hang') return onHang?.();
    const status = { ok: 204, permanent: 400, transient: 503, gone: 410, missing: 404 }[mode];
    res.writeHead(status, status === 503 ? { 'retry-after': '7' } : {}).end();
  });
});

afterAll(async () => {
  await channel.close?.();
  http.close();
  await peer.close();
});

function integration(config: Record<string, unknown> = {}) {
  return testIntegration(
    'webhook',
    { url: `${peer.url}/hooks/herald`, ...config },
    { signingSecret: secret, authorization: token },
  );
}

function content(): WebhookContent {
  return {
    type: 'issue_alert',
    timestamp: '2026-01-01T00:00:00Z',
    data: { notificationId: 'ntf_1', issue: { id: 'iss_1', title: 'TypeError: x is undefined' } },
  };
}

channelConformance(
  'webhook',
  () => ({
    channel,
    integration: integration(),
    message: () => testMessage(content(), { type: 'webhook', id: 'int_webhook' }),
    setPeer: (next, hang) => {
      mode = next;
      onHang = hang;
    },
    transientRetryAfterMs: 7000,
    secrets: [secret, secret.slice('whsec_'.length), token.slice('Bearer '.length)],
  }),
  { sizeLimit: false },
);

describe('webhook channel', () => {
  it('delivers the body signed per Standard Webhooks with webhook-id = idempotency key', async () => {
    mode = 'ok';
    received.length = 0;
    const message = testMessage(content());
    const ctx = testContext({ integration: integration() });
    await channel.send(message, ctx);
    await channel.send(message, ctx);
    expect(received).toHaveLength(2);
    expect(received[0]?.body).toEqual(content());
    expect(received.map((r) => r.headers['webhook-id'])).toEqual([
      message.idempotencyKey,
      message.idempotencyKey,
    ]);
  });

  it('sends the Authorization header the receiver asked for, and none otherwise', async () => {
    mode = 'ok';
    received.length = 0;
    const withoutToken = testIntegration(
      'webhook',
      { url: `${peer.url}/hooks/herald` },
      { signingSecret: secret },
    );
    await channel.send(testMessage(content()), testContext({ integration: integration() }));
    await channel.send(testMessage(content()), testContext({ integration: withoutToken }));
    expect(received.map((r) => r.headers.authorization)).toEqual([token, undefined]);
  });

  it('refuses content without the body fields, naming them, and sends nothing', async () => {
    mode = 'ok';
    received.length = 0;
    const ctx = testContext({ integration: integration() });
    const bad = [
      { timestamp: '2026-01-01T00:00:00Z', data: {} },
      { type: '', timestamp: '2026-01-01T00:00:00Z', data: {} },
      { type: 'issue_alert', data: {} },
      { type: 'issue_alert', timestamp: '2026-01-01T00:00:00Z', data: ['not', 'a', 'record'] },
      { type: 'issue_alert', timestamp: '2026-01-01T00:00:00Z', data: new Date(0) },
    ];
    const errors = await Promise.all(
      bad.map((body) =>
        channel.send(testMessage(body as unknown as WebhookContent), ctx).then(
          () => null,
          (error: unknown) => error,
        ),
      ),
    );
    expect(errors.map((e) => e instanceof PermanentDeliveryError && e.code)).toEqual(
      bad.map(() => 'invalid_content'),
    );
    expect(errors.map((e) => (e as Error).message.match(/\((.*)\)/)?.[1])).toEqual([
      'type',
      'type',
      'timestamp',
      'data',
      'data',
    ]);
    expect(received).toHaveLength(0);
  });

  it('sends fields beyond the three of the body as they are', async () => {
    mode = 'ok';
    received.length = 0;
    const body = { ...content(), version: 2, data: { ...content().data, extra: [1, { a: null }] } };
    await channel.send(testMessage(body), testContext({ integration: integration() }));
    expect(received.map((r) => r.body)).toEqual([body]);
  });

  it('repeats the body’s version in the herald-webhook-version header, and only a version', async () => {
    mode = 'ok';
    received.length = 0;
    const ctx = testContext({ integration: integration() });
    for (const version of [1, 2, undefined, 'v1', 1.5, 0])
      await channel.send(testMessage({ ...content(), ...(version !== undefined && { version }) }), ctx);
    expect(received.map((r) => r.headers[WEBHOOK_VERSION_HEADER])).toEqual([
      '1',
      '2',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(received.map((r) => (r.body as { version?: unknown }).version)).toEqual([
      1,
      2,
      undefined,
      'v1',
      1.5,
      0,
    ]);
  });

  it('is rejected by a verifying receiver when the body is tampered with', async () => {
    received.length = 0;
    const body = JSON.stringify(content());
    const headers = signWebhook(secret, 'msg_tamper', Date.now(), body);
    const res = await http.request({
      url: `${peer.url}/hooks/herald`,
      headers: { ...headers, 'content-type': 'application/json' },
      body: body.replace('TypeError', 'RangeError'),
    });
    expect(res.status).toBe(400);
    expect(received).toHaveLength(0);
  });

  it('marks the target gone on 410 and refuses other 4xx permanently', async () => {
    mode = 'gone';
    const gone = await channel
      .send(testMessage(content()), testContext({ integration: integration() }))
      .catch((e) => e);
    expect(gone).toBeInstanceOf(PermanentDeliveryError);
    expect(gone).toMatchObject({ code: 'http_410', disableTarget: true });
    mode = 'missing';
    const missing = await channel
      .send(testMessage(content()), testContext({ integration: integration() }))
      .catch((e) => e);
    expect(missing).toMatchObject({ code: 'http_404', disableTarget: false });
  });

  it('times out per the integration config as a transient error', async () => {
    mode = 'hang';
    onHang = undefined;
    const err = await channel
      .send(testMessage(content()), testContext({ integration: integration({ timeoutMs: 150 }) }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err).toMatchObject({ code: 'timeout' });
  });

  it('refuses a loopback target unless private targets are allowed', async () => {
    const guarded = webhookChannel();
    const err = await guarded
      .send(testMessage(content()), testContext({ integration: integration() }))
      .catch((e) => e);
    await guarded.close?.();
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ code: 'private_target' });
  });

  it('refuses a misconfigured integration as fatal without echoing the secret', async () => {
    const bad = testIntegration('webhook', { url: peer.url }, { signingSecret: 'not-a-whsec-value' });
    const err = await channel.send(testMessage(content()), testContext({ integration: bad })).catch((e) => e);
    expect(err).toMatchObject({ code: 'invalid_integration', fatal: true });
    expect(String(err.message)).not.toContain('not-a-whsec-value');
  });

  it('signs exactly as the Standard Webhooks library does, and refuses the secrets it refuses', () => {
    const at = Date.parse('2026-03-14T09:26:53.789Z');
    const sign = webhookSigner(secret);
    for (const body of [
      '',
      '{"a":1}',
      JSON.stringify({ title: 'Café ☕ — 東京 \u{1F680}' }),
      'lone \ud800 half',
    ]) {
      const headers = sign('msg_1', at, body);
      expect(headers).toEqual({
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(at / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_1', new Date(at), body),
      });
      expect(signWebhook(secret.slice('whsec_'.length), 'msg_1', at, body)).toEqual(headers);
    }
    for (const bad of ['whsec_', 'whsec_not base64!', 'whsec_YWJ'])
      expect(() => webhookSigner(bad), bad).toThrow();
    // Secrets the library reads leniently sign as the library signs them.
    for (const odd of ['whsec_YWJj=', 'whsec_YWJjZA', 'whsec_YWJj\n'])
      expect(webhookSigner(odd)('msg_1', at, '{}')['webhook-signature']).toBe(
        new Webhook(odd).sign('msg_1', new Date(at), '{}'),
      );
  });

  it('signs with the secret of the integration it is given, not one seen before', async () => {
    mode = 'ok';
    received.length = 0;
    const other = generateWebhookSecret();
    const message = testMessage(content());
    await channel.send(message, testContext({ integration: integration() }));
    const err = await channel
      .send(
        message,
        testContext({
          integration: testIntegration(
            'webhook',
            { url: `${peer.url}/hooks/herald` },
            { signingSecret: other },
          ),
        }),
      )
      .catch((e) => e);
    // The peer verifies with the first secret only: the second send must fail its check.
    expect(received).toHaveLength(1);
    expect(err).toMatchObject({ code: 'http_400' });
  });
});
