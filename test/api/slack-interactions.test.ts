import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { startHttpPeer, type TestPeer } from '../../src/delivery/channel-test-kit.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const SIGNING_SECRET = '8f742231b10e8888abcd99e4f7c585a5';
const INTERACTIONS = '/api/v1/integrations/slack/interactions';

interface Block {
  type: string;
  block_id?: string;
  elements?: { type: string; action_id?: string; value?: string; text?: { text: string } }[];
}
interface SlackPost {
  channel: string;
  text: string;
  blocks: Block[];
  thread?: string;
  ts: string;
}

/** People press Resolve, Ignore and Assign to me in a Slack alert; Slack calls back, signed. */
describe.skipIf(SKIP_PROFILE)('Slack interactions', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let slack: TestPeer;
  const posts: SlackPost[] = [];
  /** What Herald sent to the payloads' `response_url`s. */
  const responses: Record<string, unknown>[] = [];
  const lookups: string[] = [];
  /** The email each Slack user's profile shows, and the language they set in Slack. */
  const profiles: Record<string, { email: string; locale?: string }> = {
    U_ANA: { email: 'Ana@Acme.test' },
    U_EVE: { email: 'eve@elsewhere.test' },
    U_JONAS: { email: 'jonas@acme.test', locale: 'en-US' },
    U_CHLOE: { email: 'chloe@elsewhere.test', locale: 'fr-FR' },
  };
  let ana = '';
  let ben = '';
  let alertCount = 0;

  beforeAll(async () => {
    slack = await startHttpPeer((req, body, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/response') {
        responses.push(JSON.parse(body.toString()));
        return void res.end('ok');
      }
      const args = Object.fromEntries(new URLSearchParams(body.toString()));
      expect(req.headers.authorization).toBe('Bearer xoxb-test-token');
      if (req.url === '/api/users.info') {
        lookups.push(String(args.user));
        const profile = profiles[String(args.user)];
        // As Slack does: the locale only when asked for.
        const locale = args.include_locale === 'true' ? profile?.locale : undefined;
        return void res.end(
          JSON.stringify({ ok: true, user: { id: args.user, profile: { email: profile?.email }, locale } }),
        );
      }
      if (req.url === '/api/users.lookupByEmail') {
        return void res.end(JSON.stringify({ ok: true, user: { id: `U_${args.email}` } }));
      }
      const ts = `${posts.length + 1}.000100`;
      posts.push({
        channel: String(args.channel),
        text: String(args.text),
        blocks: JSON.parse(String(args.blocks)),
        ...(args.thread_ts ? { thread: args.thread_ts } : {}),
        ts,
      });
      res.end(JSON.stringify({ ok: true, channel: String(args.channel), ts }));
    });
    h = await startHerald();
    clock = h.clock as ManualClock;
    await h.request('POST', '/api/v1/orgs', { slug: 'acme', name: 'Acme' });
    // Plain members, not owners: triaging an issue is every member's right.
    ana = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test', name: 'Ana' })).body
      .userId;
    ben = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ben@acme.test', name: 'Ben' })).body
      .userId;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api', name: 'API' });
    const signed = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'slack',
      name: 'Workspace',
      config: { slackApiUrl: `${slack.url}/api/` },
      secrets: { botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET },
    });
    expect(signed.status).toBe(201);
    expect(signed.body.secretFields).toEqual(['botToken', 'signingSecret']);
    expect(JSON.stringify(signed.body)).not.toContain(SIGNING_SECRET);
    const unsigned = await h.request('POST', '/api/v1/orgs/acme/integrations', {
      provider: 'slack',
      name: 'Old workspace',
      config: { slackApiUrl: `${slack.url}/api/` },
      secrets: { botToken: 'xoxb-test-token' },
    });
    for (const [integration, channel] of [
      [signed.body.id, '#alerts'],
      [unsigned.body.id, '#legacy'],
    ]) {
      const rule = await h.request('POST', '/api/v1/projects/acme/api/rules', {
        name: `Alerts to ${channel}`,
        conditions: [{ id: 'first_seen_event' }],
        actions: [{ id: 'slack', integration, channel }],
      });
      expect(rule.status).toBe(201);
    }
    await settle();
  });
  afterAll(async () => {
    await h?.close();
    await slack?.close();
  });

  const settle = async () => {
    for (let i = 0; i < 5; i++) await h.engine.queue.drain();
  };

  /** A new issue, alerted in #alerts: its id and the alert as Slack received it. */
  async function alert(): Promise<{ issueId: string; post: SlackPost }> {
    const before = posts.length;
    alertCount += 1;
    const { issueId } = (
      await h.request('POST', '/api/v1/projects/acme/api/events', {
        message: 'Checkout fails',
        fingerprint: [`checkout-${alertCount}`],
      })
    ).body;
    await settle();
    const post = posts.slice(before).find((p) => p.channel === '#alerts' && !p.thread);
    expect(post).toBeDefined();
    return { issueId, post: post! };
  }

  const button = (post: SlackPost, actionId: string) =>
    post.blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId);

  /** The form Slack posts when `user` presses `actionId` in `post`. */
  function pressed(post: SlackPost, actionId: string, user = 'U_ANA'): string {
    const payload = {
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase() },
      api_app_id: 'A0HERALD',
      team: { id: 'T0ACME', domain: 'acme' },
      response_url: `${slack.url}/response`,
      trigger_id: '123.456.abc',
      actions: [{ type: 'button', action_id: actionId, value: button(post, actionId)?.value }],
      message: { type: 'message', ts: post.ts, text: post.text, blocks: post.blocks },
    };
    return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }

  /** Slack's headers for `body` sent now, signed with `secret` as Slack documents it. */
  function signature(body: string, secret = SIGNING_SECRET, at = clock.now()) {
    const timestamp = String(Math.floor(at / 1000));
    const digest = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
    return { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': `v0=${digest}` };
  }

  const send = (body: string, headers: Record<string, string>) =>
    h.request('POST', INTERACTIONS, undefined, {
      token: null,
      raw: body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });

  const issue = async (id: string) => (await h.request('GET', `/api/v1/issues/${id}`)).body;
  const alertDelivery = async (issueId: string) =>
    (
      await h.request('GET', `/api/v1/orgs/acme/notifications?issue=${issueId}&type=issue_alert`)
    ).body.data[0].deliveries.find((d: { recipient: { id: string } }) => d.recipient.id === '#alerts');

  it('puts Resolve, Ignore and Assign to me in alerts of a Slack app with a signing secret, only there', async () => {
    const before = posts.length;
    const { issueId, post } = await alert();
    const resolve = button(post, 'herald_issue_resolve');
    expect(resolve?.text?.text).toBe('Resolve');
    expect(button(post, 'herald_issue_ignore')?.text?.text).toBe('Ignore');
    expect(button(post, 'herald_issue_assign_me')?.text?.text).toBe('Assign to me');
    const delivery = await alertDelivery(issueId);
    expect(JSON.parse(resolve!.value!)).toEqual({ delivery: delivery.id, issue: issueId });
    // The link button is still there.
    expect(post.blocks.flatMap((b) => b.elements ?? []).some((e) => e.action_id === 'herald_link_0')).toBe(
      true,
    );

    // Without a signing secret Slack's callbacks could not be verified: no such buttons.
    const legacy = posts.slice(before).find((p) => p.channel === '#legacy');
    expect(legacy).toBeDefined();
    expect(JSON.stringify(legacy!.blocks)).not.toContain('herald_issue_');
    expect(button(legacy!, 'herald_link_0')?.value).toBeUndefined();
  });

  it('resolves the issue as the member who pressed Resolve, tells the others and updates the message', async () => {
    const { issueId, post } = await alert();
    for (const userId of [ana, ben]) {
      expect((await h.request('POST', `/api/v1/issues/${issueId}/subscription`, { userId })).status).toBe(
        200,
      );
    }
    const body = pressed(post, 'herald_issue_resolve');
    const answered = responses.length;
    const posted = posts.length;
    const res = await send(body, signature(body));
    expect(res.status).toBe(200);
    expect(lookups.at(-1)).toBe('U_ANA');

    expect(await issue(issueId)).toMatchObject({ status: 'resolved', resolvedAt: expect.any(String) });
    // The message Slack shows is replaced: the same alert, with who resolved it above the buttons.
    const update = responses.slice(answered);
    expect(update).toHaveLength(1);
    expect(update[0]).toMatchObject({ replace_original: true, text: post.text });
    const blocks = (update[0] as { blocks: Block[] }).blocks;
    const status = blocks.findIndex((b) => b.block_id === 'herald_issue_status');
    expect(JSON.stringify(blocks[status])).toContain('Resolved by Ana');
    expect(blocks[status + 1]?.block_id).toBe('herald_issue_actions');

    // Pressing a button is the delivery's engagement: `acted`.
    expect((await alertDelivery(issueId)).status).toBe('acted');

    // The resolution went out as `PATCH /issues/{id}` sends it: Ana did it, so Ben hears of it and she
    // does not; the alert's thread hears "Ana marked this issue as resolved".
    await settle();
    const resolved = (
      await h.request('GET', `/api/v1/orgs/acme/notifications?issue=${issueId}&type=resolved`)
    ).body.data;
    expect(resolved).toHaveLength(1);
    const recipients = resolved[0].deliveries.map((d: { recipient: { id: string } }) => d.recipient.id);
    expect(recipients).toContain(ben);
    expect(recipients).not.toContain(ana);
    const reply = posts.slice(posted).find((p) => p.thread === post.ts);
    expect(JSON.stringify(reply?.blocks)).toContain('Ana marked this issue as resolved');
  });

  it('tells whoever presses Resolve on an issue resolved meanwhile that it already is, and changes nothing', async () => {
    const { issueId, post } = await alert();
    clock.advance(60_000);
    expect((await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'resolved' })).status).toBe(200);
    const resolvedAt = (await issue(issueId)).resolvedAt;
    await settle();
    clock.advance(60_000);
    const body = pressed(post, 'herald_issue_resolve');
    const answered = responses.length;
    expect((await send(body, signature(body))).status).toBe(200);
    expect(responses.slice(answered)).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: 'This issue is already resolved; nothing was changed.',
      },
    ]);
    expect((await issue(issueId)).resolvedAt).toBe(resolvedAt);
    expect((await alertDelivery(issueId)).status).toBe('sent');
  });

  it('tells a member who reads Herald in German, in German, that the issue is already resolved', async () => {
    const jonas = await h.request('POST', '/api/v1/orgs/acme/members', {
      email: 'jonas@acme.test',
      name: 'Jonas',
      locale: 'de',
    });
    expect(jonas.status).toBe(201);
    const { issueId, post } = await alert();
    expect((await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'resolved' })).status).toBe(200);
    await settle();
    // His Slack account is set to English: Herald's own setting for him is what counts.
    const body = pressed(post, 'herald_issue_resolve', 'U_JONAS');
    const answered = responses.length;
    expect((await send(body, signature(body))).status).toBe(200);
    expect(responses.slice(answered)).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: 'Dieses Problem ist bereits gelöst; es wurde nichts geändert.',
      },
    ]);
  });

  it('answers a presser Herald cannot tell who they are in the language of their Slack account, else in English', async () => {
    const { issueId, post } = await alert();
    const answered = responses.length;
    const french = pressed(post, 'herald_issue_resolve', 'U_CHLOE');
    expect((await send(french, signature(french))).status).toBe(200);
    const english = pressed(post, 'herald_issue_resolve', 'U_EVE');
    expect((await send(english, signature(english))).status).toBe(200);
    expect(responses.slice(answered)).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: 'Aucun membre de l’organisation Acme dans Herald n’a l’adresse e-mail de votre compte Slack (chloe@elsewhere.test) ; rien n’a été modifié. Demandez à un propriétaire de vous ajouter.',
      },
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: 'No member of Acme in Herald has the email address of your Slack account (eve@elsewhere.test); nothing was changed. Ask an owner to add you.',
      },
    ]);
    expect((await issue(issueId)).status).toBe('unresolved');
  });

  it('assigns the issue to the member who pressed Assign to me', async () => {
    const { issueId, post } = await alert();
    const body = pressed(post, 'herald_issue_assign_me');
    const answered = responses.length;
    expect((await send(body, signature(body))).status).toBe(200);
    expect((await issue(issueId)).assignee).toEqual({ type: 'user', id: ana, name: 'Ana' });
    expect(JSON.stringify(responses.slice(answered))).toContain('Assigned to Ana');
  });

  it('changes nothing for a bad signature, a stale timestamp, or one signed with another secret', async () => {
    const { issueId, post } = await alert();
    const body = pressed(post, 'herald_issue_resolve');
    const answered = responses.length;

    const forged = signature(body);
    forged['x-slack-signature'] = `v0=${'0'.repeat(64)}`;
    const bad = await send(body, forged);
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('unauthorized');
    expect((await send(body, signature(body, 'another-apps-signing-secret'))).status).toBe(401);
    expect((await send(body, {})).status).toBe(401);
    // The body changed after signing (another issue's button in place of this one's).
    const tampered = body.replace('herald_issue_resolve', 'herald_issue_ignore');
    expect((await send(tampered, signature(body))).status).toBe(401);

    const signedNow = signature(body);
    clock.advance(6 * 60_000);
    expect((await send(body, signedNow)).status).toBe(401);
    // From the future by as much: refused too.
    expect((await send(body, signature(body, SIGNING_SECRET, clock.now() + 6 * 60_000))).status).toBe(401);

    expect((await issue(issueId)).status).toBe('unresolved');
    expect((await alertDelivery(issueId)).status).toBe('sent');
    expect(responses.length).toBe(answered);
  });

  it('refuses, to that person only, a Slack user who is not a member, and changes nothing', async () => {
    const { issueId, post } = await alert();
    const body = pressed(post, 'herald_issue_resolve', 'U_EVE');
    const answered = responses.length;
    const res = await send(body, signature(body));
    expect(res.status).toBe(200);
    expect(responses.slice(answered)).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: expect.stringContaining(
          'No member of Acme in Herald has the email address of your Slack account',
        ),
      },
    ]);
    expect((await issue(issueId)).status).toBe('unresolved');
    expect((await alertDelivery(issueId)).status).toBe('sent');
  });

  it('refuses a replay of a request older than five minutes', async () => {
    const { issueId, post } = await alert();
    const body = pressed(post, 'herald_issue_ignore');
    const headers = signature(body);
    expect((await send(body, headers)).status).toBe(200);
    expect((await issue(issueId)).status).toBe('ignored');
    expect((await h.request('PATCH', `/api/v1/issues/${issueId}`, { status: 'unresolved' })).status).toBe(
      200,
    );

    clock.advance(5 * 60_000 + 1_000);
    const replay = await send(body, headers);
    expect(replay.status).toBe(401);
    expect((await issue(issueId)).status).toBe('unresolved');
  });

  it('answers a press of a link button without changing anything', async () => {
    const { issueId, post } = await alert();
    const body = pressed(post, 'herald_link_0');
    const answered = responses.length;
    expect((await send(body, signature(body))).status).toBe(200);
    expect(responses.length).toBe(answered);
    expect((await issue(issueId)).status).toBe('unresolved');
  });

  it('names the field when the form carries no payload', async () => {
    const res = await send('token=x', signature('token=x'));
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('payload');
  });
});
