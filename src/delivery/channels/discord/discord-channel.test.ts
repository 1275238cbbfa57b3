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
import { discordChannel } from './discord-channel.js';
import type { DiscordContent } from './discord-content.js';

const token = 'dSc0rdW3bh00kT0k3nHeraldTest_abcdef';
const http = httpClient({ allowPrivateTargets: true });
const channel = discordChannel({ http });
let peer: TestPeer;
let mode: PeerMode | 'deleted' = 'ok';
let onHang: (() => void) | undefined;
const received: Record<string, unknown>[] = [];
let webhookUrl = '';

beforeAll(async () => {
  peer = await startHttpPeer((req, body, res) => {
    const url = new URL(req.url ?? '/', peer.url);
    if (url.pathname !== `/api/webhooks/123/${token}`) return void res.writeHead(401).end('{"code":50027}');
    received.push({ ...JSON.parse(body.toString()), wait: url.searchParams.get('wait') });
    if (mode === 'hang') return onHang?.();
    if (mode === 'deleted') return void res.writeHead(404).end('{"message":"Unknown Webhook","code":10015}');
    if (mode === 'permanent')
      return void res.writeHead(400).end('{"message":"Invalid Form Body","code":50035}');
    if (mode === 'transient') {
      return void res
        .writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' })
        .end('{"retry_after":1.25,"global":false}');
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"1100000000000000001"}');
  });
  webhookUrl = `${peer.url}/api/webhooks/123/${token}`;
});

afterAll(async () => {
  await channel.close?.();
  http.close();
  await peer.close();
});

const integration = () => testIntegration('discord', {}, { webhookUrl });
const content = (extra: Partial<DiscordContent> = {}): DiscordContent => ({
  content: 'New issue in checkout @everyone',
  embeds: [
    {
      title: 'TypeError',
      description: 'x is undefined',
      color: 0xe03e2f,
      fields: [{ name: 'Level', value: 'error' }],
    },
  ],
  ...extra,
});

channelConformance('discord', () => ({
  channel,
  integration: integration(),
  message: () => testMessage(content()),
  oversized: () => testMessage(content({ embeds: [{ title: 'x'.repeat(257) }] })),
  setPeer: (next, hang) => {
    mode = next;
    onHang = hang;
  },
  transientRetryAfterMs: 1250,
  secrets: [token],
}));

describe('discord channel', () => {
  it('posts embeds with mentions disabled and returns the message id', async () => {
    mode = 'ok';
    received.length = 0;
    const result = await channel.send(testMessage(content()), testContext({ integration: integration() }));
    expect(result.providerMessageId).toBe('1100000000000000001');
    expect(received[0]).toMatchObject({
      allowed_mentions: { parse: [] },
      wait: 'true',
      embeds: content().embeds,
    });
  });

  it.each([
    ['11 embeds', { embeds: new Array(11).fill({ title: 't' }) }],
    ['a long description', { embeds: [{ description: 'd'.repeat(4097) }] }],
    ['6000 characters in total', { embeds: [1, 2].map(() => ({ description: 'd'.repeat(3500) })) }],
  ])('refuses %s as too_large', async (_name, extra) => {
    const err = await channel
      .send(testMessage(content(extra)), testContext({ integration: integration() }))
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'too_large' });
  });

  it('treats a deleted webhook as fatal', async () => {
    mode = 'deleted';
    const err = await channel
      .send(testMessage(content()), testContext({ integration: integration() }))
      .catch((e) => e);
    mode = 'ok';
    expect(err).toMatchObject({ code: 'http_404', fatal: true });
  });
});
