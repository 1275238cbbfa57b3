import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { channelConformance, type PeerMode } from '../../channel-conformance.js';
import {
  startHttpPeer,
  type TestPeer,
  testContext,
  testIntegration,
  testMessage,
} from '../../channel-test-kit.js';
import { httpClient } from '../../http-client.js';
import { pushChannel } from './push-channel.js';
import type { PushContent } from './push-content.js';

/** The part of http_ece (web-push's own encryption library) the peer uses to decrypt. */
interface Ece {
  decrypt(
    body: Buffer,
    params: { version: 'aes128gcm'; privateKey: ReturnType<typeof createECDH>; authSecret: string },
  ): Buffer;
}
const ece = createRequire(import.meta.url)('http_ece') as Ece;

const fixtures = new URL('../../../../test/fixtures/', import.meta.url);
const tls = {
  key: readFileSync(new URL('push-peer.key', fixtures)),
  cert: readFileSync(new URL('push-peer.crt', fixtures)),
};
const vapidKeys = webpush.generateVAPIDKeys();
const vapid = { subject: 'mailto:alerts@herald.test', ...vapidKeys };
const subscriber = createECDH('prime256v1');
subscriber.generateKeys();
const authSecret = randomBytes(16).toString('base64url');
const http = httpClient({ allowPrivateTargets: true, ca: tls.cert });
const channel = pushChannel({ http, vapid });
let peer: TestPeer;
let mode: PeerMode = 'ok';
let onHang: (() => void) | undefined;
const delivered: unknown[] = [];
const problems: string[] = [];

/** Checks `Authorization: vapid t=<ES256 JWT>, k=<public key>` as a push service does. */
function vapidProblem(req: IncomingMessage): string | undefined {
  const m = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(String(req.headers.authorization));
  if (!m) return 'no vapid authorization';
  const [, head, claims, sig, k] = m as unknown as string[];
  if (k !== vapid.publicKey) return 'unknown vapid key';
  const point = Buffer.from(k!, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${claims}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(sig!, 'base64url'),
  );
  const body = JSON.parse(Buffer.from(claims!, 'base64url').toString()) as {
    aud?: string;
    sub?: string;
    exp?: number;
  };
  if (!ok) return 'bad vapid signature';
  if (body.aud !== peer.url || body.sub !== vapid.subject || !(Number(body.exp) > Date.now() / 1000))
    return 'bad claims';
  return undefined;
}

beforeAll(async () => {
  peer = await startHttpPeer((req, body, res) => {
    const problem =
      vapidProblem(req) ?? (req.headers['content-encoding'] === 'aes128gcm' ? undefined : 'encoding');
    if (problem) {
      problems.push(problem);
      return void res.writeHead(403).end(problem);
    }
    delivered.push(
      JSON.parse(ece.decrypt(body, { version: 'aes128gcm', privateKey: subscriber, authSecret }).toString()),
    );
    if (mode === 'hang') return onHang?.();
    if (mode === 'permanent') return void res.writeHead(410).end('subscription expired');
    if (mode === 'transient') return void res.writeHead(429, { 'retry-after': '6' }).end();
    res.writeHead(201, { location: `/messages/${delivered.length}`, ttl: String(req.headers.ttl) }).end();
  }, tls);
});

afterAll(async () => {
  await channel.close?.();
  http.close();
  await peer.close();
});

const endpoint = () => `${peer.url}/push/sub-8c1f2e7a9d4b6c3e5f70`;
const content = (extra: Partial<PushContent> = {}): PushContent => ({
  subscription: {
    endpoint: endpoint(),
    keys: { p256dh: subscriber.getPublicKey('base64url'), auth: authSecret },
  },
  title: 'TypeError in checkout',
  body: 'x is undefined',
  url: 'https://herald.test/issues/1',
  ...extra,
});

channelConformance('push', () => ({
  channel,
  message: () => testMessage(content(), { type: 'user', id: 'usr_1' }),
  oversized: () => testMessage(content({ body: 'x'.repeat(4000) })),
  setPeer: (next, hang) => {
    mode = next;
    onHang = hang;
  },
  transientRetryAfterMs: 6000,
  secrets: [vapid.privateKey, authSecret, endpoint()],
}));

describe('push channel', () => {
  it('delivers an encrypted payload that the subscriber can read', async () => {
    mode = 'ok';
    delivered.length = 0;
    const result = await channel.send(
      testMessage(content({ topic: 'iss_1', urgency: 'high' })),
      testContext(),
    );
    expect(problems).toEqual([]);
    expect(delivered).toEqual([
      { title: 'TypeError in checkout', body: 'x is undefined', url: 'https://herald.test/issues/1' },
    ]);
    expect(result).toMatchObject({ providerMessageId: '/messages/1', providerResponse: 'HTTP 201' });
  });

  it('disables a subscription the push service says is gone', async () => {
    mode = 'permanent';
    const err = await channel.send(testMessage(content()), testContext()).catch((e) => e);
    mode = 'ok';
    expect(err).toMatchObject({ code: 'http_410', disableTarget: true });
  });

  it('reads VAPID keys from the integration when the channel has none', async () => {
    const fromIntegration = pushChannel({ http });
    const integration = testIntegration(
      'push',
      { vapidSubject: vapid.subject, vapidPublicKey: vapid.publicKey },
      { vapidPrivateKey: vapid.privateKey },
    );
    const result = await fromIntegration.send(testMessage(content()), testContext({ integration }));
    expect(result.providerResponse).toBe('HTTP 201');
    const missing = await fromIntegration.send(testMessage(content()), testContext()).catch((e) => e);
    expect(missing).toMatchObject({ code: 'no_vapid', fatal: true });
  });

  it('refuses a push endpoint on a private address unless allowed', async () => {
    const guarded = pushChannel({ vapid });
    const err = await guarded.send(testMessage(content()), testContext()).catch((e) => e);
    await guarded.close?.();
    expect(err).toMatchObject({ code: 'private_target' });
  });
});
