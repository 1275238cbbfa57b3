import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, TransientDeliveryError } from '../../channel.js';
import { channelConformance, type PeerMode } from '../../channel-conformance.js';
import { testContext, testIntegration, testMessage } from '../../channel-test-kit.js';
import { emailChannel } from './email-channel.js';
import type { EmailContent } from './email-content.js';

const user = 'herald-smtp-user';
const pass = 'smtp-pass-4f1c9e2ab7';
let mode: PeerMode = 'ok';
let onHang: (() => void) | undefined;
const hung: ((err?: Error) => void)[] = [];
const inbox: ParsedMail[] = [];
let port = 0;

function reply(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

const server = new SMTPServer({
  disabledCommands: ['STARTTLS'],
  allowInsecureAuth: true,
  logger: false,
  onAuth(auth, _session, callback) {
    if (auth.username === user && auth.password === pass) return callback(null, { user });
    callback(reply(535, '5.7.8 Authentication credentials invalid'));
  },
  onRcptTo(_address, _session, callback) {
    if (mode === 'permanent') return callback(reply(550, '5.1.1 Mailbox unavailable'));
    if (mode === 'transient') return callback(reply(451, '4.3.0 Try again later'));
    callback();
  },
  onData(stream: SMTPServerDataStream, _session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', async () => {
      if (mode === 'hang') {
        hung.push(callback);
        return onHang?.();
      }
      inbox.push(await simpleParser(Buffer.concat(chunks)));
      callback();
    });
  },
});

const channel = emailChannel();

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const release of hung) release(reply(421, 'closing'));
  await channel.close?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function integration(secrets: Record<string, string> = { user, pass }) {
  return testIntegration(
    'email',
    { transport: 'smtp', host: '127.0.0.1', port, secure: false, from: 'Herald <alerts@herald.test>' },
    secrets,
  );
}

function content(): EmailContent {
  return {
    subject: 'New issue: TypeError in checkout',
    html: '<h1>TypeError</h1><p>x is <b>undefined</b></p>',
    text: 'TypeError\n\nx is undefined',
    headers: {
      'List-Unsubscribe': '<https://herald.test/unsubscribe/abc>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

const recipient = { type: 'user' as const, id: 'usr_1', email: 'dev@example.test', name: 'Dev' };

channelConformance(
  'email (smtp)',
  () => ({
    channel,
    integration: integration(),
    message: () => testMessage(content(), recipient),
    setPeer: (next, hang) => {
      mode = next;
      onHang = hang;
    },
    secrets: [pass, Buffer.from(`\u0000${user}\u0000${pass}`).toString('base64')],
  }),
  { sizeLimit: false },
);

describe('email channel over SMTP', () => {
  it('delivers a mail whose headers, HTML and text arrive intact', async () => {
    mode = 'ok';
    inbox.length = 0;
    const message = testMessage(content(), recipient);
    const result = await channel.send(message, testContext({ integration: integration() }));
    expect(inbox).toHaveLength(1);
    const mail = inbox[0]!;
    expect(mail.subject).toBe('New issue: TypeError in checkout');
    expect(mail.from?.text).toBe('"Herald" <alerts@herald.test>');
    expect(mail.html).toContain('<b>undefined</b>');
    expect(mail.text?.trim()).toBe('TypeError\n\nx is undefined');
    const raw = mail.headerLines.map((h) => h.line);
    expect(raw).toContain('List-Unsubscribe: <https://herald.test/unsubscribe/abc>');
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(mail.messageId).toBe(`<${message.idempotencyKey}@herald.test>`);
    expect(result.providerMessageId).toBe(mail.messageId);
  });

  it('classifies 550 as permanent and 451 as transient', async () => {
    mode = 'permanent';
    const refused = await channel
      .send(testMessage(content(), recipient), testContext({ integration: integration() }))
      .catch((e) => e);
    expect(refused).toBeInstanceOf(PermanentDeliveryError);
    expect(refused).toMatchObject({ code: 'smtp_550', fatal: false });
    mode = 'transient';
    const deferred = await channel
      .send(testMessage(content(), recipient), testContext({ integration: integration() }))
      .catch((e) => e);
    expect(deferred).toBeInstanceOf(TransientDeliveryError);
    expect(deferred).toMatchObject({ code: 'smtp_451' });
    mode = 'ok';
  });

  it('treats rejected credentials as fatal for the integration', async () => {
    const wrong = integration({ user, pass: 'wrong-password-123' });
    const err = await channel
      .send(testMessage(content(), recipient), testContext({ integration: wrong }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ code: 'smtp_535', fatal: true });
  });

  it('refuses a recipient without an email address', async () => {
    const err = await channel
      .send(
        testMessage(content(), { type: 'user', id: 'usr_2' }),
        testContext({ integration: integration() }),
      )
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'no_email' });
  });

  it('reports an unreachable server as transient', async () => {
    const closed = testIntegration('email', { host: '127.0.0.1', port: 1, from: 'a@herald.test' }, {});
    const err = await channel
      .send(testMessage(content(), recipient), testContext({ integration: closed }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(TransientDeliveryError);
  });
});
