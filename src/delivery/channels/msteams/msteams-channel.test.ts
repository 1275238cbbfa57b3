import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError } from '../../channel.js';
import { channelConformance, type PeerMode } from '../../channel-conformance.js';
import {
  startHttpPeer,
  type TestPeer,
  testContext,
  testIntegration,
  testMessage,
} from '../../channel-test-kit.js';
import { httpClient } from '../../http-client.js';
import { validateAdaptiveCard } from './msteams-card.js';
import { msteamsChannel } from './msteams-channel.js';
import type { MsTeamsContent } from './msteams-content.js';

const sig = 'Zk9sTkRvTm90TG9nVGhpc1NpZw12345';
const http = httpClient({ allowPrivateTargets: true });
const channel = msteamsChannel({ http });
let peer: TestPeer;
let mode: PeerMode = 'ok';
let onHang: (() => void) | undefined;
const received: unknown[] = [];
let webhookUrl = '';

beforeAll(async () => {
  peer = await startHttpPeer((req, body, res) => {
    const url = new URL(req.url ?? '/', peer.url);
    if (url.searchParams.get('sig') !== sig) return void res.writeHead(401).end();
    received.push(JSON.parse(body.toString()));
    if (mode === 'hang') return onHang?.();
    const status = { ok: 202, permanent: 400, transient: 429 }[mode];
    res.writeHead(status, status === 429 ? { 'retry-after': '2' } : {}).end();
  });
  webhookUrl = `${peer.url}/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=${sig}`;
});

afterAll(async () => {
  await channel.close?.();
  http.close();
  await peer.close();
});

const integration = () => testIntegration('msteams', {}, { webhookUrl });

function card(extra: Record<string, unknown>[] = []): MsTeamsContent['card'] {
  return {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'TypeError: x is undefined', weight: 'Bolder', size: 'Medium' },
      { type: 'FactSet', facts: [{ title: 'Project', value: 'checkout' }] },
      ...extra,
    ],
    actions: [{ type: 'Action.OpenUrl', title: 'Open issue', url: 'https://herald.test/issues/1' }],
  };
}

channelConformance('msteams', () => ({
  channel,
  integration: integration(),
  message: () => testMessage({ card: card() }),
  oversized: () => testMessage({ card: card([{ type: 'TextBlock', text: 'x'.repeat(30_000) }]) }),
  setPeer: (next, hang) => {
    mode = next;
    onHang = hang;
  },
  transientRetryAfterMs: 2000,
  secrets: [sig, webhookUrl],
}));

describe('msteams channel', () => {
  it('posts the card in the Workflows message envelope', async () => {
    mode = 'ok';
    received.length = 0;
    await channel.send(testMessage({ card: card() }), testContext({ integration: integration() }));
    expect(received[0]).toEqual({
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card() },
      ],
    });
  });

  it('refuses an invalid card before sending', async () => {
    received.length = 0;
    const bad = { ...card([{ type: 'TextBlock' }, { type: 'Marquee', text: 'x' }]), version: '2.0' };
    const err = await channel
      .send(testMessage({ card: bad }), testContext({ integration: integration() }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.code).toBe('invalid_card');
    expect(received).toHaveLength(0);
  });

  it('names every problem of a card by path', () => {
    expect(validateAdaptiveCard(card())).toEqual([]);
    expect(
      validateAdaptiveCard({
        type: 'AdaptiveCard',
        version: '1.4',
        body: [{ type: 'ColumnSet', columns: [{ type: 'Column', items: [{ type: 'Image' }] }] }],
        actions: [
          {
            type: 'Action.ShowCard',
            card: { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'Nope' }] },
          },
        ],
      }),
    ).toEqual([
      'card.body[0].columns[0].items[0].url must be a non-empty string',
      'card.actions[0].card.body[0].type "Nope" is not a card element',
    ]);
  });
});
