import { describe, expect, it } from 'vitest';
import { discordLimitProblem } from '../delivery/channels/discord/discord-content.js';
import { libraryCardProblems } from '../delivery/channels/msteams/adaptive-card-library.js';
import { validateAdaptiveCard } from '../delivery/channels/msteams/msteams-card.js';
import { MSTEAMS_MAX_PAYLOAD_BYTES, msteamsEnvelope } from '../delivery/channels/msteams/msteams-content.js';
import { PUSH_MAX_PAYLOAD_BYTES } from '../delivery/channels/push/push-content.js';
import { digestType } from '../notifications/types/digest.js';
import { issueAlertType } from '../notifications/types/issue-alert.js';
import { fixtureContext } from './render-fixtures.js';
import { renderNotification } from './render-notification.js';

const huge = 'Ü'.repeat(9000);

/** An alert with every part far beyond every channel's room. */
function oversizedAlert() {
  const p = issueAlertType.sample();
  return {
    ...p,
    issue: { ...p.issue, title: huge },
    event: {
      ...p.event,
      message: `${huge}\n${huge}`,
      tags: Array.from({ length: 150 }, (_, i) => [`tag${i}`, huge.slice(0, 900)] as [string, string]),
      frames: Array.from({ length: 80 }, (_, i) => ({
        function: `fn${i}${huge.slice(0, 500)}`,
        module: null,
        filename: 'a.ts',
        lineno: i,
        inApp: true,
      })),
    },
  };
}

function bigDigest(n: number) {
  const p = digestType.sample();
  const issue = p.issues[0]!;
  return {
    ...p,
    issues: Array.from({ length: n }, (_, i) => ({
      ...issue,
      id: `iss_${i}`,
      title: `${huge.slice(0, 800)} ${i}`,
      count: n - i,
    })),
  };
}

const ctx = fixtureContext();

describe('channel limits', () => {
  it('keeps Slack within Block Kit limits', async () => {
    for (const payload of [oversizedAlert()]) {
      const slack = await renderNotification('issue_alert', 'slack', payload, ctx);
      expect(slack.blocks.length).toBeLessThanOrEqual(50);
      const header = slack.blocks[0] as unknown as { text: { text: string } };
      expect(header.text.text.length).toBeLessThanOrEqual(150);
      expect(header.text.text.endsWith('…')).toBe(true);
      expect(slack.text.length).toBeLessThanOrEqual(3000);
      expect(JSON.stringify(slack.blocks)).toContain('… and 70 more');
      expect(JSON.stringify(slack.blocks)).toContain('… and 130 more');
    }
    const digest = await renderNotification('digest', 'slack', bigDigest(60), ctx);
    expect(JSON.stringify(digest.blocks)).toContain('… and 40 more');
  });

  it('keeps a Teams card under 28 KB and valid', async () => {
    for (const [type, payload] of [
      ['issue_alert', oversizedAlert()],
      ['digest', bigDigest(500)],
    ] as const) {
      const { card } = await renderNotification(type, 'msteams', payload, ctx);
      expect(Buffer.byteLength(JSON.stringify(msteamsEnvelope(card)))).toBeLessThanOrEqual(
        MSTEAMS_MAX_PAYLOAD_BYTES,
      );
      expect(validateAdaptiveCard(card)).toEqual([]);
      expect(libraryCardProblems(card)).toEqual([]);
    }
  });

  it('keeps Discord within its embed limits', async () => {
    const discord = await renderNotification('issue_alert', 'discord', oversizedAlert(), ctx);
    expect(discordLimitProblem(discord)).toBeUndefined();
    const digest = await renderNotification('digest', 'discord', bigDigest(200), ctx);
    expect(discordLimitProblem(digest)).toBeUndefined();
    expect(JSON.stringify(digest)).toMatch(/… and \d+ more/);
  });

  it('keeps a push payload within 4 KB once encrypted', async () => {
    const push = await renderNotification('issue_alert', 'push', oversizedAlert(), ctx);
    const size = Buffer.byteLength(JSON.stringify({ title: push.title, body: push.body, url: push.url }));
    expect(size).toBeLessThanOrEqual(PUSH_MAX_PAYLOAD_BYTES);
    expect(push.body.endsWith('…')).toBe(true);
  });

  it('cuts a PagerDuty summary to 1024 characters', async () => {
    const pd = await renderNotification('issue_alert', 'pagerduty', oversizedAlert(), ctx);
    expect(pd.summary.length).toBeLessThanOrEqual(1024);
    expect(pd.summary.endsWith('…')).toBe(true);
  });

  it('counts what an email leaves out', async () => {
    const email = await renderNotification('digest', 'email', bigDigest(40), ctx);
    expect(email.html).toContain('… and 15 more');
    expect(email.text).toContain('… and 15 more');
    expect(email.subject.length).toBeLessThanOrEqual(250);
  });

  it('maps PagerDuty severity from the level and resolves on resolution', async () => {
    const alert = issueAlertType.sample();
    const fatal = await renderNotification(
      'issue_alert',
      'pagerduty',
      { ...alert, issue: { ...alert.issue, level: 'fatal' } },
      ctx,
    );
    expect(fatal).toMatchObject({ severity: 'critical', eventAction: 'trigger', dedupKey: alert.issue.id });
    const warning = await renderNotification(
      'issue_alert',
      'pagerduty',
      { ...alert, issue: { ...alert.issue, level: 'warning' } },
      ctx,
    );
    expect(warning.severity).toBe('warning');
    const resolved = await renderNotification('resolved', 'pagerduty', { ...alert, actor: null }, ctx);
    expect(resolved).toMatchObject({ eventAction: 'resolve', dedupKey: alert.issue.id });
  });
});
