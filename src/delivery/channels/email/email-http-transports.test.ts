import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
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
import { emailChannel } from './email-channel.js';
import type { EmailContent } from './email-content.js';

const apiKey = 'SG.test-key.9b1f0c77d2e4a6';
const accessKeyId = 'AKIAHERALDTEST0001';
const secretAccessKey = 'ses-secret/9f8e7d6c5b4a3210fedcba';
const http = httpClient({ allowPrivateTargets: true });
const channel = emailChannel({ http });
let mode: PeerMode = 'ok';
let onHang: (() => void) | undefined;
const bodies: unknown[] = [];
let peer: TestPeer;

/** A separate, deliberately plain SigV4 check so the signer is not verified by itself. */
function sesSignatureValid(req: IncomingMessage, body: Buffer): boolean {
  const auth = String(req.headers.authorization ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/ses\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m || m[1] !== accessKeyId) return false;
  const [, , day, region, signed, signature] = m as unknown as string[];
  const names = signed!.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return false;
  const hex = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
  const url = new URL(req.url ?? '/', 'http://x');
  const canonical = [
    req.method,
    url.pathname,
    '',
    names.map((n) => `${n}:${String(req.headers[n]).trim()}`).join('\n') + '\n',
    signed,
    hex(body),
  ].join('\n');
  const date = String(req.headers['x-amz-date']);
  const toSign = `AWS4-HMAC-SHA256\n${date}\n${day}/${region}/ses/aws4_request\n${hex(canonical)}`;
  const kDate = createHmac('sha256', `AWS4${secretAccessKey}`).update(day!).digest();
  const kRegion = createHmac('sha256', kDate).update(region!).digest();
  const kService = createHmac('sha256', kRegion).update('ses').digest();
  const kSigning = createHmac('sha256', kService).update('aws4_request').digest();
  return createHmac('sha256', kSigning).update(toSign).digest('hex') === signature;
}

beforeAll(async () => {
  peer = await startHttpPeer((req, body, res) => {
    const ses = req.url === '/v2/email/outbound-emails';
    const sendgrid = req.url === '/v3/mail/send';
    const authorized = ses ? sesSignatureValid(req, body) : req.headers.authorization === `Bearer ${apiKey}`;
    if (!(ses || sendgrid)) return void res.writeHead(404).end();
    if (!authorized)
      return void res.writeHead(ses ? 403 : 401, { 'x-amzn-errortype': 'SignatureDoesNotMatch' }).end('{}');
    bodies.push(JSON.parse(body.toString()));
    if (mode === 'hang') return onHang?.();
    if (mode === 'permanent') {
      return void res
        .writeHead(400, { 'x-amzn-errortype': 'MessageRejected' })
        .end('{"message":"Email address is not verified."}');
    }
    if (mode === 'transient') {
      return void res
        .writeHead(429, { 'retry-after': '3', 'x-amzn-errortype': 'TooManyRequestsException' })
        .end('{}');
    }
    if (ses) return void res.writeHead(200).end(JSON.stringify({ MessageId: 'ses-msg-1' }));
    res.writeHead(202, { 'x-message-id': 'sg-msg-1' }).end();
  });
});

afterAll(async () => {
  await channel.close?.();
  http.close();
  await peer.close();
});

const content: EmailContent = {
  subject: 'Deploy finished',
  html: '<p>Release <b>1.2.3</b> is live</p>',
  text: 'Release 1.2.3 is live',
  headers: { 'List-Unsubscribe': '<https://herald.test/u/1>' },
};
const recipient = { type: 'user' as const, id: 'usr_1', email: 'dev@example.test' };

const sendgrid = () =>
  testIntegration(
    'email',
    { transport: 'sendgrid', from: 'Herald <alerts@herald.test>', baseUrl: peer.url },
    { apiKey },
  );
const ses = (secret = secretAccessKey) =>
  testIntegration(
    'email',
    { transport: 'ses', from: 'alerts@herald.test', region: 'eu-west-1', baseUrl: peer.url },
    { accessKeyId, secretAccessKey: secret },
  );
const setPeer = (next: PeerMode, hang?: () => void) => {
  mode = next;
  onHang = hang;
};

channelConformance(
  'email (sendgrid)',
  () => ({
    channel,
    integration: sendgrid(),
    message: () => testMessage(content, recipient),
    setPeer,
    transientRetryAfterMs: 3000,
    secrets: [apiKey],
  }),
  { sizeLimit: false },
);

channelConformance(
  'email (ses)',
  () => ({
    channel,
    integration: ses(),
    message: () => testMessage(content, recipient),
    setPeer,
    transientRetryAfterMs: 3000,
    secrets: [secretAccessKey],
  }),
  { sizeLimit: false },
);

describe('email over HTTP providers', () => {
  it('sends SendGrid v3 mail with both parts and the unsubscribe header', async () => {
    setPeer('ok');
    bodies.length = 0;
    const result = await channel.send(
      testMessage(content, recipient),
      testContext({ integration: sendgrid() }),
    );
    expect(result.providerMessageId).toBe('sg-msg-1');
    expect(bodies[0]).toMatchObject({
      personalizations: [{ to: [{ email: 'dev@example.test' }] }],
      from: { email: 'alerts@herald.test', name: 'Herald' },
      subject: 'Deploy finished',
      content: [
        { type: 'text/plain', value: 'Release 1.2.3 is live' },
        { type: 'text/html', value: '<p>Release <b>1.2.3</b> is live</p>' },
      ],
      headers: { 'List-Unsubscribe': '<https://herald.test/u/1>' },
    });
  });

  it('sends SES v2 mail with a signature the peer recomputes', async () => {
    setPeer('ok');
    bodies.length = 0;
    const result = await channel.send(testMessage(content, recipient), testContext({ integration: ses() }));
    expect(result.providerMessageId).toBe('ses-msg-1');
    expect(bodies[0]).toMatchObject({
      FromEmailAddress: 'alerts@herald.test',
      Destination: { ToAddresses: ['dev@example.test'] },
      Content: {
        Simple: { Subject: { Data: 'Deploy finished' }, Body: { Text: { Data: 'Release 1.2.3 is live' } } },
      },
    });
  });

  it('treats a refused SES signature as fatal', async () => {
    const err = await channel
      .send(testMessage(content, recipient), testContext({ integration: ses('wrong-secret/0000000000000') }))
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'ses_SignatureDoesNotMatch', fatal: true });
  });

  it('treats a refused SendGrid key as fatal', async () => {
    const bad = testIntegration(
      'email',
      { transport: 'sendgrid', from: 'a@herald.test', baseUrl: peer.url },
      { apiKey: 'SG.wrong-key-000' },
    );
    const err = await channel
      .send(testMessage(content, recipient), testContext({ integration: bad }))
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'sendgrid_401', fatal: true });
  });
});
