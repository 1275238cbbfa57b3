import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { connectSmtp, startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';
import { closedPort, freshRedisPrefix } from '../helpers/redis.js';

/** A member asks for a sign-in link, gets it by email, and it works once, for 15 minutes. */
describe.skipIf(SKIP_PROFILE)('one-time sign-in links by email', () => {
  let h: TestHerald;
  let smtp: SMTPServer;
  let port = 0;
  const mails: { to: string; text: string; subject: string }[] = [];
  // While set, the mail server has a mail's data but holds its reply (a slow server) until it resolves.
  let hold: Promise<void> | null = null;
  let holding = 0;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onRcptTo(address, _session, callback) {
        // A mailbox the server refuses, quoting the address in its reply as real servers do.
        if (address.address === 'gone@acme.test')
          return callback(
            Object.assign(new Error(`<${address.address}>: mailbox unavailable`), { responseCode: 550 }),
          );
        callback();
      },
      onData(stream, _session, done) {
        simpleParser(stream)
          .then(async (mail) => {
            if (hold) {
              holding++;
              await hold;
            }
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
    port = (smtp.server.address() as { port: number }).port;
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
  // The link is mailed after the answer: what was asked for so far has been sent (or has failed).
  const mailed = () => h.engine.services.signInLinks.settled();
  const linkIn = (text: string) => /(http:\/\/\S+\/auth\/link\?token=[\w-]+)/.exec(text)?.[1] ?? '';

  it('mails a link that signs the member in once', async () => {
    const answer = await ask('Ana@acme.test');
    expect(answer.status).toBe(202);
    await mailed();
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
    await mailed();
    const mail = mails.at(-1)!;
    expect(mail.to).toContain('chen@acme.test');
    expect(mail.subject).toBe('Votre lien de connexion à Herald');
    expect(mail.text).toContain('Bonjour Chen,');
    expect(linkIn(mail.text)).not.toBe('');
  });

  it('an expired link does not work', async () => {
    await ask('ana@acme.test');
    await mailed();
    const link = linkIn(mails.at(-1)!.text);
    (h.clock as ManualClock).advance(15 * 60_000 + 1);
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(400);
  });

  it('answers the same for an unknown address and sends nothing', async () => {
    const before = mails.length;
    const answer = await ask('nobody@acme.test');
    expect(answer.status).toBe(202);
    await mailed();
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
    await mailed();
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
    await mailed();
    expect(mails.length - before).toBe(5);

    clock.advance(179_000);
    expect((await ask('dora@acme.test')).status).toBe(429);
    clock.advance(1_000);
    expect((await ask('dora@acme.test')).status).toBe(202);
    await mailed();
    expect(mails.length - before).toBe(6);
    expect(mails.at(-1)!.to).toContain('dora@acme.test');
    expect((await ask('ghost@acme.test')).status).toBe(202);
    expect((await ask('ghost@acme.test')).status).toBe(429);
  });

  it('answers before the mail server has taken the link, which arrives once it does', async () => {
    await h.request('POST', '/api/v1/orgs/acme/members', { email: 'eli@acme.test', name: 'Eli' });
    const before = mails.length;
    let release = () => {};
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    holding = 0;
    try {
      const answer = ask('eli@acme.test');
      // The server has the mail and keeps Herald waiting for its reply...
      await vi.waitFor(() => expect(holding).toBe(1), { timeout: 10_000 });
      // ...and the form has answered all the same (an answer that waited for the server never comes).
      const first = await Promise.race([
        answer,
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000)),
      ]);
      expect(first?.status).toBe(202);
      expect(mails.length).toBe(before);
    } finally {
      hold = null;
      release();
    }
    await mailed();
    expect(mails.length).toBe(before + 1);
    expect(mails.at(-1)!.to).toContain('eli@acme.test');
    expect(linkIn(mails.at(-1)!.text)).not.toBe('');
  });

  it("a link the mail server refuses is logged by the member's id and the server's code, not the address", async () => {
    const { body } = await h.request('POST', '/api/v1/orgs/acme/members', {
      email: 'gone@acme.test',
      name: 'Gone',
    });
    const logged = h.logs.length;
    expect((await ask('gone@acme.test')).status).toBe(202);
    await mailed();
    const lines = h.logs.slice(logged);
    const failed = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'sign-in link not sent');
    expect(lines.join('\n')).not.toContain('gone@acme.test');
    expect(failed).toMatchObject({ userId: body.userId, code: 'smtp_550' });
  });

  it('a stop waits for a link being mailed', async () => {
    const other = await startHerald();
    await other.request('POST', '/api/v1/orgs', { slug: 'acme' });
    await other.request('POST', '/api/v1/orgs/acme/members', { email: 'fay@acme.test', name: 'Fay' });
    await connectSmtp(other, port);
    let release = () => {};
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    holding = 0;
    const order: string[] = [];
    try {
      expect(
        (await other.request('POST', '/api/v1/auth/email-link', { email: 'fay@acme.test' }, { token: null }))
          .status,
      ).toBe(202);
      await vi.waitFor(() => expect(holding).toBe(1), { timeout: 10_000 });
      const stopping = other.close().then(() => order.push('stopped'));
      // Long enough for a stop that does not wait to be done.
      await new Promise((resolve) => setTimeout(resolve, 500));
      order.push('released');
      hold = null;
      release();
      await stopping;
    } finally {
      hold = null;
      release();
    }
    expect(order).toEqual(['released', 'stopped']);
    expect(mails.at(-1)!.to).toContain('fay@acme.test');
    expect(other.logs.join('\n')).not.toContain('sign-in link not sent');
  });
});

/**
 * In a cluster the cap on links for one address lives in Redis. While Redis is down nothing can count
 * the asks: no link is sent uncounted, and the form says to try again instead of failing with a 500.
 */
describe.skipIf(SKIP_PROFILE)('sign-in links while Redis is down', () => {
  it('answers 503 with Retry-After, logs why without the address, and sends nothing', async () => {
    const h = await startHerald({
      role: 'api',
      redisUrl: `redis://127.0.0.1:${await closedPort()}`,
      redisPrefix: freshRedisPrefix(),
    });
    try {
      await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
      await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test' });
      const answer = await h.request(
        'POST',
        '/api/v1/auth/email-link',
        { email: 'ana@acme.test' },
        { token: null },
      );
      expect(answer.status, answer.text).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('30');
      expect(answer.body.error).toMatchObject({
        code: 'unavailable',
        message: 'Sign-in links cannot be sent for a moment; ask again in 30 seconds',
      });
      await h.engine.services.signInLinks.settled();
      const lines = h.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.filter((line) => line.msg === 'request failed')).toEqual([]);
      expect(
        lines.find((line) => line.msg === 'sign-in link refused: its limit could not be checked'),
      ).toBeDefined();
      expect(h.logs.join('\n')).not.toContain('ana@acme.test');
    } finally {
      await h.close();
    }
  });
});
