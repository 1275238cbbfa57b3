import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, TransientDeliveryError } from '../../channel.js';
import { channelConformance, type PeerMode } from '../../channel-conformance.js';
import {
  memoryState,
  startHttpPeer,
  type TestPeer,
  testContext,
  testIntegration,
  testMessage,
} from '../../channel-test-kit.js';
import { httpClient } from '../../http-client.js';
import { slackChannel } from './slack-channel.js';
import type { SlackContent } from './slack-content.js';

const botToken = 'xoxb-1111-2222-herald-test-token';
const http = httpClient({ allowPrivateTargets: true });
const channel = slackChannel({ http });
let peer: TestPeer;
let mode: PeerMode | 'revoked' | 'server_error' = 'ok';
let onHang: (() => void) | undefined;
let tsCounter = 0;
const calls: { method: string; args: Record<string, unknown> }[] = [];
const CHANNELS: Record<string, string> = { alerts: 'C0ALERTS', '#alerts': 'C0ALERTS', C0ALERTS: 'C0ALERTS' };
const USERS: Record<string, string> = { 'dev@example.test': 'U0DEV' };

/** Parses Slack's two request encodings; `blocks` arrives JSON-encoded inside a form. */
function parseArgs(req: IncomingMessage, body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (String(req.headers['content-type']).startsWith('application/json')) return JSON.parse(text);
  const args: Record<string, unknown> = Object.fromEntries(new URLSearchParams(text));
  if (typeof args['blocks'] === 'string') args['blocks'] = JSON.parse(args['blocks']);
  return args;
}

/** Enough of Block Kit's rules to catch a malformed render. */
function blocksValid(blocks: unknown): boolean {
  if (!Array.isArray(blocks) || blocks.length > 50) return false;
  return blocks.every((b) => {
    if (typeof b !== 'object' || b === null) return false;
    const block = b as { type?: unknown; text?: { type?: unknown; text?: unknown } };
    if (block.type === 'divider') return true;
    if (block.type !== 'section' && block.type !== 'header' && block.type !== 'context') return false;
    if (block.type === 'context') return true;
    const t = block.text;
    return typeof t?.text === 'string' && (t.type === 'mrkdwn' || t.type === 'plain_text');
  });
}

function answer(res: ServerResponse, value: Record<string, unknown>): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

beforeAll(async () => {
  peer = await startHttpPeer((req, body, res) => {
    const method = (req.url ?? '').replace(/^\/api\//, '');
    if (req.headers.authorization !== `Bearer ${botToken}`)
      return answer(res, { ok: false, error: 'invalid_auth' });
    const args = parseArgs(req, body);
    calls.push({ method, args });
    if (mode === 'hang') return onHang?.();
    if (mode === 'transient') return void res.writeHead(429, { 'retry-after': '5' }).end();
    if (mode === 'server_error') return void res.writeHead(503).end('upstream down');
    if (mode === 'revoked') return answer(res, { ok: false, error: 'token_revoked' });
    if (method === 'users.lookupByEmail') {
      const id = USERS[String(args['email'])];
      return answer(res, id ? { ok: true, user: { id } } : { ok: false, error: 'users_not_found' });
    }
    if (method !== 'chat.postMessage' && method !== 'chat.update')
      return answer(res, { ok: false, error: 'unknown_method' });
    if (!blocksValid(args['blocks'])) return answer(res, { ok: false, error: 'invalid_blocks' });
    const target = String(args['channel']);
    const id =
      mode === 'permanent'
        ? undefined
        : (CHANNELS[target] ?? (target.startsWith('U') ? `D${target}` : undefined));
    if (!id) return answer(res, { ok: false, error: 'channel_not_found' });
    if (method === 'chat.update') return answer(res, { ok: true, channel: id, ts: args['ts'] });
    tsCounter += 1;
    answer(res, { ok: true, channel: id, ts: `1767225600.${String(tsCounter).padStart(6, '0')}` });
  });
});

afterAll(async () => {
  await channel.close?.();
  http.close();
  await peer.close();
});

const integration = (config: Record<string, unknown> = {}) =>
  testIntegration('slack', { slackApiUrl: `${peer.url}/api`, ...config }, { botToken });

function content(extra: Partial<SlackContent> = {}): SlackContent {
  return {
    text: 'New issue: TypeError',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'TypeError' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*x* is undefined' } },
    ],
    ...extra,
  };
}

channelConformance('slack', () => ({
  channel,
  integration: integration(),
  message: () => testMessage(content()),
  oversized: () => testMessage(content({ blocks: new Array(51).fill({ type: 'divider' }) })),
  setPeer: (next, hang) => {
    mode = next;
    onHang = hang;
  },
  transientRetryAfterMs: 5000,
  secrets: [botToken],
}));

describe('slack channel', () => {
  it('posts Block Kit to a channel by name and returns the ts', async () => {
    mode = 'ok';
    calls.length = 0;
    const result = await channel.send(
      testMessage(content(), { type: 'channel', id: '#alerts' }),
      testContext({ integration: integration() }),
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: 'chat.postMessage',
      args: { channel: '#alerts', text: 'New issue: TypeError' },
    });
    expect(result.providerMessageId).toMatch(/^1767225600\.\d{6}$/);
  });

  it('looks a person up by email once and sends a DM to the user id', async () => {
    calls.length = 0;
    const state = memoryState();
    const dev = { type: 'user' as const, id: 'usr_1', email: 'dev@example.test' };
    await channel.send(testMessage(content(), dev), testContext({ integration: integration(), state }));
    await channel.send(testMessage(content(), dev), testContext({ integration: integration(), state }));
    expect(calls.map((c) => c.method)).toEqual([
      'users.lookupByEmail',
      'chat.postMessage',
      'chat.postMessage',
    ]);
    expect(calls[1]?.args['channel']).toBe('U0DEV');
  });

  it('threads later messages under the first one and can update it in place', async () => {
    calls.length = 0;
    const state = memoryState();
    const ctx = testContext({ integration: integration({ broadcastReplies: true }), state });
    const first = await channel.send(testMessage(content({ threadKey: 'iss_1' })), ctx);
    const reply = await channel.send(testMessage(content({ threadKey: 'iss_1' })), ctx);
    await channel.send(testMessage(content({ threadKey: 'iss_1', update: true, text: 'Resolved' })), ctx);
    expect(reply.providerMessageId).not.toBe(first.providerMessageId);
    expect(calls[1]?.args).toMatchObject({
      channel: 'C0ALERTS',
      thread_ts: first.providerMessageId,
      reply_broadcast: 'true',
    });
    expect(calls[2]).toMatchObject({
      method: 'chat.update',
      args: { channel: 'C0ALERTS', ts: first.providerMessageId, text: 'Resolved' },
    });
    expect(calls[0]?.args['thread_ts']).toBeUndefined();
  });

  it('turns channel_not_found and invalid_blocks into permanent errors', async () => {
    const missing = await channel
      .send(
        testMessage(content(), { type: 'channel', id: '#nowhere' }),
        testContext({ integration: integration() }),
      )
      .catch((e) => e);
    expect(missing).toMatchObject({ code: 'channel_not_found', fatal: false });
    const invalid = await channel
      .send(
        testMessage(content({ blocks: [{ type: 'section' }] })),
        testContext({ integration: integration() }),
      )
      .catch((e) => e);
    expect(invalid).toBeInstanceOf(PermanentDeliveryError);
    expect(invalid).toMatchObject({ code: 'invalid_blocks' });
  });

  it('marks revoked or invalid tokens as fatal', async () => {
    mode = 'revoked';
    const revoked = await channel
      .send(testMessage(content()), testContext({ integration: integration() }))
      .catch((e) => e);
    expect(revoked).toMatchObject({ code: 'token_revoked', fatal: true });
    mode = 'ok';
    const wrong = testIntegration(
      'slack',
      { slackApiUrl: `${peer.url}/api` },
      { botToken: 'xoxb-wrong-token-000' },
    );
    const invalid = await channel
      .send(testMessage(content()), testContext({ integration: wrong }))
      .catch((e) => e);
    expect(invalid).toMatchObject({ code: 'invalid_auth', fatal: true });
  });

  it('treats HTTP 5xx as transient', async () => {
    mode = 'server_error';
    const err = await channel
      .send(testMessage(content()), testContext({ integration: integration() }))
      .catch((e) => e);
    mode = 'ok';
    expect(err).toBeInstanceOf(TransientDeliveryError);
    expect(err).toMatchObject({ code: 'http_503' });
  });

  it('refuses a private Slack API URL when private targets are not allowed', async () => {
    const guarded = slackChannel();
    const err = await guarded
      .send(testMessage(content()), testContext({ integration: integration() }))
      .catch((e) => e);
    await guarded.close?.();
    expect(err).toMatchObject({ code: 'private_target' });
  });
});
