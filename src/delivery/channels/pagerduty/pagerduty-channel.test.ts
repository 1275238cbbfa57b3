import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelConformance, type PeerMode } from '../../channel-conformance.js';
import {
  startHttpPeer,
  type TestPeer,
  testContext,
  testIntegration,
  testMessage,
} from '../../channel-test-kit.js';
import { httpClient } from '../../http-client.js';
import { pagerdutyChannel } from './pagerduty-channel.js';
import type { PagerDutyContent } from './pagerduty-content.js';

const routingKey = 'R0UT1NGKEYHERALDTEST0123456789ab';
const http = httpClient({ allowPrivateTargets: true });
const channel = pagerdutyChannel({ http });
let peer: TestPeer;
let mode: PeerMode = 'ok';
let onHang: (() => void) | undefined;
const received: Record<string, unknown>[] = [];
const paths: string[] = [];

beforeAll(async () => {
  peer = await startHttpPeer((req, body, res) => {
    // The Events API at the root, and behind a proxy that serves it under `/pd`.
    if (req.url !== '/v2/enqueue' && req.url !== '/pd/v2/enqueue') return void res.writeHead(404).end();
    paths.push(req.url);
    const event = JSON.parse(body.toString()) as Record<string, unknown>;
    received.push(event);
    if (mode === 'hang') return onHang?.();
    if (event['routing_key'] !== routingKey || mode === 'permanent') {
      return void res
        .writeHead(400)
        .end(
          '{"status":"invalid event","message":"Event object is invalid","errors":["Invalid routing key"]}',
        );
    }
    if (mode === 'transient') return void res.writeHead(429, { 'retry-after': '4' }).end();
    res
      .writeHead(202)
      .end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: event['dedup_key'] }));
  });
});

afterAll(async () => {
  await channel.close?.();
  http.close();
  await peer.close();
});

const integration = () => testIntegration('pagerduty', { baseUrl: peer.url }, { routingKey });
const content = (extra: Partial<PagerDutyContent> = {}): PagerDutyContent => ({
  eventAction: 'trigger',
  dedupKey: 'iss_42',
  summary: 'TypeError: x is undefined in checkout',
  severity: 'error',
  source: 'checkout',
  customDetails: { events: 12 },
  ...extra,
});

channelConformance('pagerduty', () => ({
  channel,
  integration: integration(),
  message: () => testMessage(content()),
  oversized: () => testMessage(content({ customDetails: { blob: 'x'.repeat(600 * 1024) } })),
  setPeer: (next, hang) => {
    mode = next;
    onHang = hang;
  },
  transientRetryAfterMs: 4000,
  secrets: [routingKey],
}));

describe('pagerduty channel', () => {
  it('triggers and resolves one incident per issue through the dedup key', async () => {
    mode = 'ok';
    received.length = 0;
    const ctx = testContext({ integration: integration() });
    const triggered = await channel.send(testMessage(content()), ctx);
    await channel.send(testMessage(content({ eventAction: 'resolve' })), ctx);
    expect(triggered.providerMessageId).toBe('iss_42');
    expect(received[0]).toMatchObject({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: 'iss_42',
      payload: {
        summary: 'TypeError: x is undefined in checkout',
        severity: 'error',
        source: 'checkout',
        custom_details: { events: 12 },
      },
    });
    expect(received[1]).toMatchObject({ event_action: 'resolve', dedup_key: 'iss_42' });
    expect(received[1]?.['payload']).toBeUndefined();
  });

  it('posts under the path of config.baseUrl, with or without a final slash', async () => {
    mode = 'ok';
    paths.length = 0;
    for (const baseUrl of [`${peer.url}/pd`, `${peer.url}/pd/`, `${peer.url}/`]) {
      const ctx = testContext({ integration: testIntegration('pagerduty', { baseUrl }, { routingKey }) });
      await channel.send(testMessage(content()), ctx);
    }
    expect(paths).toEqual(['/pd/v2/enqueue', '/pd/v2/enqueue', '/v2/enqueue']);
  });

  it('refuses content with an unknown severity before sending', async () => {
    const bad = content({ severity: 'fatal' as PagerDutyContent['severity'] });
    const err = await channel
      .send(testMessage(bad), testContext({ integration: integration() }))
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'invalid_content' });
  });
});
