import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** A member asks for a sign-in link, gets it by email, and it works once, for 15 minutes. */
describe.skipIf(SKIP_PROFILE)('one-time sign-in links by email', () => {
  let h: TestHerald;
  let smtp: SMTPServer;
  const mails: { to: string; text: string; subject: string }[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, done) {
        simpleParser(stream)
          .then((mail) => {
            mails.push({
              to: mail.to && 'text' in mail.to ? mail.to.text : '',
              text: mail.text ?? '',
              subject: mail.subject ?? '',
            });
            done();
          })
          .catch(done);
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as { port: number }).port;
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test', name: 'Ana' });
    await connectSmtp(h, port);
  });
  afterAll(async () => {
    await h?.close();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  const ask = (email: string) => h.request('POST', '/api/v1/auth/email-link', { email }, { token: null });
  const linkIn = (text: string) => /(http:\/\/\S+\/auth\/link\?token=[\w-]+)/.exec(text)?.[1] ?? '';

  it('mails a link that signs the member in once', async () => {
    const answer = await ask('Ana@acme.test');
    expect(answer.status).toBe(202);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toContain('ana@acme.test');
    const link = linkIn(mails[0]!.text);
    expect(link).not.toBe('');

    const first = await fetch(link, { redirect: 'manual' });
    expect(first.status).toBe(302);
    const location = first.headers.get('location') ?? '';
    const token = decodeURIComponent(/#token=(.+)$/.exec(location)?.[1] ?? '');
    expect(token).toMatch(/^hru_/);
    const me = await h.request('GET', '/api/v1/me', undefined, { token });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('ana@acme.test');

    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).toBe(400);
    expect(h.logs.join('\n')).not.toContain(new URL(link).searchParams.get('token')!);
  });

  it("is written in the member's language", async () => {
    await h.request('POST', '/api/v1/orgs/acme/members', {
      email: 'chen@acme.test',
      name: 'Chen',
      locale: 'fr',
    });
    await ask('chen@acme.test');
    const mail = mails.at(-1)!;
    expect(mail.to).toContain('chen@acme.test');
    expect(mail.subject).toBe('Votre lien de connexion à Herald');
    expect(mail.text).toContain('Bonjour Chen,');
    expect(linkIn(mail.text)).not.toBe('');
  });

  it('an expired link does not work', async () => {
    await ask('ana@acme.test');
    const link = linkIn(mails.at(-1)!.text);
    (h.clock as ManualClock).advance(15 * 60_000 + 1);
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(400);
  });

  it('answers the same for an unknown address and sends nothing', async () => {
    const before = mails.length;
    const answer = await ask('nobody@acme.test');
    expect(answer.status).toBe(202);
    expect(mails.length).toBe(before);
    expect((await fetch(`${h.url}/auth/link?token=forged`, { redirect: 'manual' })).status).toBe(400);
  });

  it('past 5 asks in 15 minutes says when to ask again, the same for a member and for nobody', async () => {
    const clock = h.clock as ManualClock;
    await h.request('POST', '/api/v1/orgs/acme/members', { email: 'dora@acme.test', name: 'Dora' });
    const before = mails.length;
    for (let i = 0; i < 5; i++) {
      expect((await ask('dora@acme.test')).status).toBe(202);
      expect((await ask('ghost@acme.test')).status).toBe(202);
    }
    expect(mails.length - before).toBe(5);

    const member = await ask('Dora@acme.test');
    const nobody = await ask('ghost@acme.test');
    expect(member.status).toBe(429);
    expect(member.body.error.code).toBe('rate_limited');
    expect(member.body.error.message).toMatch(/ask again in 3 minutes/);
    // One more link may be asked for every 3 minutes.
    expect(member.headers.get('retry-after')).toBe('180');
    // Nothing in the answer tells a member's address from an address nobody has.
    expect([nobody.status, nobody.headers.get('retry-after'), nobody.text]).toEqual([
      member.status,
      member.headers.get('retry-after'),
      member.text,
    ]);
    expect(mails.length - before).toBe(5);

    clock.advance(179_000);
    expect((await ask('dora@acme.test')).status).toBe(429);
    clock.advance(1_000);
    expect((await ask('dora@acme.test')).status).toBe(202);
    expect(mails.length - before).toBe(6);
    expect(mails.at(-1)!.to).toContain('dora@acme.test');
    expect((await ask('ghost@acme.test')).status).toBe(202);
    expect((await ask('ghost@acme.test')).status).toBe(429);
  });
});
