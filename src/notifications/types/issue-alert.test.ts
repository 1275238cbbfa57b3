import { describe, expect, it } from 'vitest';
import type { DiscordContent } from '../../delivery/channels/discord/discord-content.js';
import { discordLimitProblem } from '../../delivery/channels/discord/discord-content.js';
import { validateAdaptiveCard } from '../../delivery/channels/msteams/msteams-card.js';
import { alertFingerprint } from '../../events/alertmanager.js';
import { fixtureContext } from '../../templates/render-fixtures.js';
import { renderNotification } from '../../templates/render-notification.js';
import { type IssueAlertPayload, issueAlertType } from './issue-alert.js';
import { regressionType } from './regression.js';

const RUNBOOK = 'https://runbooks.example.com/disk-full';
const GRAPH = 'http://prometheus.example.com:9090/graph?g0.expr=disk_used%3E0.95';
const DESCRIPTION = 'The root volume of db-1 has been over 95% for 10 minutes.';

/** An issue alert for a Prometheus alert, as the Alertmanager-compatible endpoint makes it. */
function prometheusAlert(
  annotations: Record<string, string>,
  generatorURL: string | null,
): IssueAlertPayload {
  const p = issueAlertType.sample();
  const labels = { alertname: 'DiskFull', instance: 'db-1' };
  return {
    ...p,
    issue: { ...p.issue, title: 'DiskFull: Disk of db-1 is 95% full' },
    event: {
      ...p.event,
      message: 'DiskFull: Disk of db-1 is 95% full',
      frames: [],
      alert: {
        fingerprint: alertFingerprint(labels),
        labels,
        annotations: { summary: 'Disk of db-1 is 95% full', ...annotations },
        startsAt: '2026-03-14T09:20:00.000Z',
        endsAt: null,
        generatorURL,
      },
    },
  };
}

const render = (channel: 'email' | 'slack' | 'msteams' | 'discord', payload: IssueAlertPayload) =>
  renderNotification('issue_alert', channel, payload, fixtureContext()).then((c) => JSON.stringify(c));

describe('an issue alert of a Prometheus alert', () => {
  it.each(['email', 'slack', 'msteams', 'discord'] as const)(
    'on %s, shows its description and links to its runbook and where it was evaluated',
    async (channel) => {
      const content = await render(
        channel,
        prometheusAlert({ description: DESCRIPTION, runbook_url: RUNBOOK }, GRAPH),
      );
      expect(content).toContain(JSON.stringify(RUNBOOK).slice(1, -1));
      expect(content).toContain('Runbook');
      expect(content).toContain('Alert source');
      expect(content).toContain('The root volume of db-1');
    },
  );

  it.each(['email', 'slack', 'msteams', 'discord'] as const)(
    'on %s, links to no address that is not http(s), and to nothing an alert does not have',
    async (channel) => {
      const hostile = await render(
        channel,
        prometheusAlert({ runbook_url: 'javascript:alert(1)' }, 'data:text/html,<script>alert(2)</script>'),
      );
      expect(hostile).not.toContain('javascript:');
      expect(hostile).not.toContain('data:text/html');
      expect(hostile).not.toContain('Runbook');
      const plain = await render(channel, issueAlertType.sample());
      expect(plain).not.toContain('Runbook');
      expect(plain).not.toContain('Alert source');
    },
  );

  it('leaves out an address too long for the message, which still fits its channel', async () => {
    // PromQL graph URLs grow with the expression; the schema keeps them up to 4,000 characters.
    const long = `${GRAPH}${'%20or%20up'.repeat(390)}`;
    const payload = prometheusAlert({ runbook_url: RUNBOOK }, long);
    const discord = (await renderNotification(
      'issue_alert',
      'discord',
      payload,
      fixtureContext(),
    )) as DiscordContent;
    expect(discordLimitProblem(discord)).toBeUndefined();
    expect(JSON.stringify(discord)).toContain(RUNBOOK);
    const { card } = await renderNotification('issue_alert', 'msteams', payload, fixtureContext());
    expect(validateAdaptiveCard(card)).toEqual([]);
    const slack = JSON.stringify(await renderNotification('issue_alert', 'slack', payload, fixtureContext()));
    expect(slack).toContain(RUNBOOK);
    expect(slack).not.toContain(long);
  });

  it('a regression of a Prometheus alert links to its runbook too', async () => {
    const { alert } = prometheusAlert({ runbook_url: RUNBOOK }, GRAPH).event;
    const regression = { ...regressionType.sample(), alert };
    const slack = JSON.stringify(
      await renderNotification('regression', 'slack', regression, fixtureContext()),
    );
    expect(slack).toContain(RUNBOOK);
    expect(
      JSON.stringify(
        await renderNotification('regression', 'slack', regressionType.sample(), fixtureContext()),
      ),
    ).not.toContain('Runbook');
  });
});
