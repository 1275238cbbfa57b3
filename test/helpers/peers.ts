import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Clock } from '../../src/clock.js';
import { startHttpPeer } from '../../src/delivery/channel-test-kit.js';

/** A message a peer received, stamped with the test clock's time. */
export interface Received {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly at: number;
}

/** A real SMTP server that parses every mail it accepts. */
export async function startSmtpPeer(
  clock: Clock,
): Promise<{ port: number; mails: Received[]; close(): Promise<void> }> {
  const mails: Received[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((mail) => {
          const to = mail.to && 'text' in mail.to ? mail.to.text : '';
          mails.push({ to, subject: mail.subject ?? '', text: mail.text ?? '', at: clock.now() });
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return {
    port: (smtp.server.address() as { port: number }).port,
    mails,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

/** A local Slack Web API peer answering `chat.postMessage` as Slack does. */
export async function startSlackPeer(
  clock: Clock,
): Promise<{ url: string; posts: Received[]; close(): Promise<void> }> {
  const posts: Received[] = [];
  const peer = await startHttpPeer((_req, body, res) => {
    const args = Object.fromEntries(new URLSearchParams(body.toString()));
    const text = `${args.text ?? ''}\n${args.blocks ?? ''}`;
    posts.push({ to: String(args.channel), subject: String(args.text ?? ''), text, at: clock.now() });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, channel: 'C0ALERTS', ts: `${posts.length}.000100` }));
  });
  return { url: peer.url, posts, close: () => peer.close() };
}
