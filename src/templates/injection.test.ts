import { describe, expect, it } from 'vitest';
import { CHANNEL_KINDS, type ChannelKind } from '../delivery/channel.js';
import { validateAdaptiveCard } from '../delivery/channels/msteams/msteams-card.js';
import { issueAlertType } from '../notifications/types/issue-alert.js';
import { fixtureContext } from './render-fixtures.js';
import { renderNotification } from './render-notification.js';

/** Every trick event data may try: markup, chat mentions, masked links, template syntax. */
const HOSTILE =
  '<script>alert(1)</script><img src=x onerror=alert(2)> <!channel> <!here> <@U024BE7LH> ' +
  '<https://evil.example|click here> [click](https://evil.example/md) @everyone @here <@&123456> ' +
  '**bold** _it_ `code` ```fence``` <at>Boss</at> {{ 7*7 }} {% raw %} " \' & |';

function hostilePayload() {
  const p = issueAlertType.sample();
  return {
    ...p,
    organization: { ...p.organization, name: HOSTILE },
    project: { ...p.project, name: HOSTILE },
    issue: { ...p.issue, title: HOSTILE, culprit: HOSTILE, url: 'javascript:alert(document.cookie)' },
    event: {
      ...p.event,
      message: `${HOSTILE}\nsecond line ${HOSTILE}`,
      environment: HOSTILE,
      release: HOSTILE,
      tags: [[HOSTILE.slice(0, 200), HOSTILE] as [string, string], ['url', 'https://evil.example/tag']],
      frames: [{ function: HOSTILE, module: HOSTILE, filename: HOSTILE, lineno: 1, inApp: true }],
      url: 'javascript:alert(1)',
    },
    rules: [{ id: 'rul_1', name: HOSTILE }],
  };
}

/** The links this test's context gives: the only targets a message may link to. */
const context = fixtureContext('en', { links: { ...fixtureContext().links, issue: undefined } });
const ALLOWED_LINKS = new Set(Object.values(context.links).filter((v): v is string => typeof v === 'string'));

const render = <K extends ChannelKind>(kind: K) =>
  renderNotification('issue_alert', kind, hostilePayload(), context);

/** Every string in a JSON value, with the key it sits under. */
function strings(value: unknown, key = ''): [string, string][] {
  if (typeof value === 'string') return [[key, value]];
  if (Array.isArray(value)) return value.flatMap((v) => strings(v, key));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, k));
  return [];
}

/** Objects anywhere in `value` that satisfy `match`. */
function nodes(value: unknown, match: (node: Record<string, unknown>) => boolean): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap((v) => nodes(v, match));
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    return [...(match(node) ? [node] : []), ...Object.values(node).flatMap((v) => nodes(v, match))];
  }
  return [];
}

describe('hostile event data', () => {
  it('is escaped in email HTML and never becomes a link', async () => {
    const email = await render('email');
    expect(email.html).not.toMatch(/<script|<img|<!channel>|<at>/i);
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).not.toContain('javascript:');
    const hrefs = [...email.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    expect(hrefs.every((href) => ALLOWED_LINKS.has(href))).toBe(true);
    expect(email.html).toContain('{{ 7*7 }}');
    expect(email.text).not.toContain('javascript:');
    expect(email.subject).not.toContain('\n');
  });

  it('reaches Slack only as escaped text or literal rich-text runs', async () => {
    const slack = await render('slack');
    const textObjects = nodes(slack.blocks, (n) => n['type'] === 'plain_text' || n['type'] === 'mrkdwn');
    for (const t of textObjects) {
      const own = String(t['text']).replace(/<https:\/\/herald\.example\.com\/[^|>]*\|[^<>]*>/g, '');
      expect(own, String(t['text'])).not.toMatch(/[<>]/);
    }
    expect(slack.text).not.toMatch(/<!channel>|<@U|<https:/);
    // Buttons that open a page; Resolve, Ignore and Assign to me open none, they call Herald back.
    const links = nodes(
      slack.blocks,
      (n) =>
        n['type'] === 'link' ||
        (n['type'] === 'button' && !String(n['action_id']).startsWith('herald_issue_')),
    ).map((n) => n['url']);
    expect(links.every((url) => ALLOWED_LINKS.has(String(url)))).toBe(true);
    expect(
      nodes(slack.blocks, (n) => ['user', 'broadcast', 'usergroup'].includes(String(n['type']))),
    ).toEqual([]);
  });

  it('reaches Teams only in TextRuns, which Teams never parses as Markdown', async () => {
    const { card } = await render('msteams');
    expect(validateAdaptiveCard(card)).toEqual([]);
    const parsed = nodes(card, (n) => n['type'] === 'TextBlock' || n['type'] === 'FactSet');
    expect(strings(parsed).filter(([, v]) => v.includes('evil') || v.includes('<at>'))).toEqual([]);
    const urls = nodes(card, (n) => n['type'] === 'Action.OpenUrl').map((n) => String(n['url']));
    expect(urls.every((url) => ALLOWED_LINKS.has(url))).toBe(true);
    expect(card['msteams']).not.toHaveProperty('entities');
  });

  it('cannot mention, link or format on Discord', async () => {
    const discord = await render('discord');
    expect(discord.content).toBeUndefined();
    for (const [key, value] of strings(discord.embeds)) {
      if (key === 'url' || key === 'timestamp') continue;
      expect(value, key).not.toMatch(/@(everyone|here)/);
      // Footers and fenced blocks are shown literally by Discord; elsewhere, syntax must be escaped.
      if (key === 'text') continue;
      const outsideCode = value.replace(/```[\s\S]*?```/g, '');
      expect(outsideCode, key).not.toMatch(/(^|[^\\])<@/);
      expect(outsideCode, key).not.toMatch(/(^|[^\\])\[click(\\?)\]\(/);
    }
    const linkTargets = strings(discord.embeds)
      .filter(([key]) => key !== 'text')
      .flatMap(([, v]) =>
        [...v.replace(/```[\s\S]*?```/g, '').matchAll(/\]\((https?:[^)]*)\)/g)].map((m) => m[1]!),
      );
    expect(linkTargets.filter((url) => !ALLOWED_LINKS.has(url))).toEqual([]);
    const description = discord.embeds[0]!.description!;
    // The message sits in a fenced block its own backticks cannot close.
    expect(description.match(/```/g)).toHaveLength(2);
  });

  it('is kept verbatim in webhook JSON, where it is data', async () => {
    const webhook = await render('webhook');
    expect((webhook.data['issue'] as { title: string }).title).toBe(HOSTILE);
  });

  it.each(['push', 'inapp'] as const)('never gives %s a javascript: link', async (kind) => {
    const content = await render(kind);
    expect(ALLOWED_LINKS.has(content.url)).toBe(true);
  });

  it('never gives PagerDuty a javascript: link', async () => {
    const pd = await render('pagerduty');
    expect(pd.links?.every((l) => ALLOWED_LINKS.has(l.href))).toBe(true);
    expect(pd.summary.length).toBeLessThanOrEqual(1024);
  });

  it('renders on every channel without throwing', async () => {
    for (const kind of CHANNEL_KINDS) await expect(render(kind)).resolves.toBeDefined();
  });
});
