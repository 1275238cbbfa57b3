import { describe, expect, it } from 'vitest';
import { notificationType } from '../../notifications/registry.js';
import { fixtureContext } from '../render-fixtures.js';
import { renderNotification, renderWithOverride } from '../render-notification.js';
import { parseTemplate, renderTemplate, TemplateError } from './liquid-sandbox.js';

const hostile = '<b>x</b> <!channel> "q" {{ 7*7 }}';

describe('Liquid sandbox', () => {
  it('escapes every output for the part’s markup', async () => {
    const scope = { title: hostile };
    expect(await renderTemplate('{{ title }}', 'html', scope)).toBe(
      '&lt;b&gt;x&lt;/b&gt; &lt;!channel&gt; &quot;q&quot; {{ 7*7 }}',
    );
    expect(await renderTemplate('{{ title }}', 'slack', scope)).toBe(
      '&lt;b&gt;x&lt;/b&gt; &lt;!channel&gt; "q" {{ 7*7 }}',
    );
    expect(JSON.parse(`"${await renderTemplate('{{ title }}', 'json', scope)}"`)).toBe(hostile);
  });

  it('reports syntax errors with line and column', () => {
    try {
      parseTemplate('Hello\n  {{ issue.title | ', 'none');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateError);
      expect((error as TemplateError).problem).toMatchObject({ line: 2, column: 3 });
      expect((error as TemplateError).message).toMatch(/^line 2, column 3: /);
    }
  });

  it('cannot read files', async () => {
    for (const source of [
      '{% include "/etc/passwd" %}',
      '{% render "../../package.json" %}',
      '{% layout "x" %}',
    ]) {
      await expect(renderTemplate(source, 'none', {})).rejects.toThrow(TemplateError);
    }
  });

  it('stops runaway templates within its limits', async () => {
    const started = Date.now();
    await expect(
      renderTemplate('{% for i in (1..100000000) %}{{ i }}{% endfor %}', 'none', {}),
    ).rejects.toThrow(TemplateError);
    await expect(renderTemplate(`${'x'.repeat(70_000)}`, 'none', {})).rejects.toThrow(/parse/i);
    await expect(
      renderTemplate(
        '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}',
        'none',
        {},
      ),
    ).rejects.toThrow(TemplateError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('hides prototypes and unknown filters', async () => {
    expect(await renderTemplate('{{ issue.constructor }}{{ issue.__proto__ }}', 'none', { issue: {} })).toBe(
      '',
    );
    await expect(renderTemplate('{{ x | nosuchfilter }}', 'none', { x: 1 })).rejects.toThrow(TemplateError);
  });

  it('shows payload times in the reader’s zone', async () => {
    const out = await renderTemplate('{{ t | localtime }}', 'none', {
      t: '2026-03-14T09:27:00Z',
      locale: 'de',
      timeZone: 'Europe/Berlin',
    });
    expect(out).toContain('10:27');
  });
});

describe('overrides', () => {
  const type = notificationType('issue_alert')!;
  const ctx = fixtureContext();

  it('replaces only the parts given, escaping event data', async () => {
    const sample = type.sample() as { issue: { title: string } };
    const payload = { ...sample, issue: { ...sample.issue, title: hostile } };
    const email = await renderWithOverride(type, 'email', payload, ctx, {
      subject: 'ALERT {{ issue.title }}',
      html: '<h1>{{ issue.title }}</h1><p>{{ project.name }}</p>',
    });
    expect(email.subject).toBe(`ALERT ${hostile}`);
    expect(email.html).toContain('<h1>&lt;b&gt;x&lt;/b&gt; &lt;!channel&gt; &quot;q&quot; {{ 7*7 }}</h1>');
    expect(email.html).toContain('Unsubscribe');
    expect(email.text).toContain('Unsubscribe: https://herald.example.com/unsubscribe');
    const slack = await renderWithOverride(type, 'slack', payload, ctx, {
      blocks: '[{"type":"section","text":{"type":"mrkdwn","text":"*{{ issue.title }}*"}}]',
    });
    expect(slack.blocks).toEqual([
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*&lt;b&gt;x&lt;/b&gt; &lt;!channel&gt; "q" {{ 7*7 }}*' },
      },
    ]);
    const webhook = await renderWithOverride(type, 'webhook', payload, ctx, {
      data: '{"title": "{{ issue.title }}", "n": {{ issue.timesSeen }}}',
    });
    expect(webhook.data).toEqual({ title: hostile, n: 1284, notificationId: ctx.notificationId });
  });

  it('falls back to the built-in rendering when an override breaks at send time', async () => {
    const errors: TemplateError[] = [];
    const slack = await renderNotification('issue_alert', 'slack', type.sample(), ctx, {
      parts: { blocks: '[{{ issue.title }}]' },
      onError: (e) => errors.push(e),
    });
    expect(slack.blocks.length).toBeGreaterThan(3);
    expect(errors[0]?.part).toBe('blocks');
  });
});
