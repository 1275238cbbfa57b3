import { describe, expect, it } from 'vitest';
import { alertFingerprint } from '../../../events/alertmanager.js';
import { issueAlertType } from '../../../notifications/types/issue-alert.js';
import { resolvedType } from '../../../notifications/types/resolved.js';
import { fixtureContext } from '../../../templates/render-fixtures.js';
import { renderWebhook } from '../../../templates/webhook/webhook-renderer.js';
import { alertmanagerBody } from './alertmanager-body.js';

const FIRED = Date.parse('2026-03-14T09:27:00.000Z');
const RESOLVED = Date.parse('2026-03-14T10:00:00.000Z');
const body = (type: string, payload: object, at: number) =>
  alertmanagerBody(
    renderWebhook(type, payload, fixtureContext('en', { timestamp: at })),
    'Incident tool',
    'https://herald.test',
  );

const prometheusAlert = {
  fingerprint: alertFingerprint({ alertname: 'DiskFull', instance: 'db-1' }),
  labels: { alertname: 'DiskFull', instance: 'db-1' },
  annotations: { summary: 'Disk of db-1 is full' },
  startsAt: '2026-03-14T09:20:00.000Z',
  endsAt: '2026-03-14T09:59:00.000Z',
  generatorURL: null,
};

describe('the Alertmanager webhook body', () => {
  it('makes an issue of another source one alert named after its title, the same firing and resolved', () => {
    const alert = issueAlertType.sample();
    const firing = body('issue_alert', alert, FIRED);
    const resolved = body('resolved', { ...resolvedType.sample(), issue: alert.issue }, RESOLVED);
    const labels = { alertname: alert.issue.title, project: alert.project.slug, issue_id: alert.issue.id };
    expect(firing).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'Incident tool',
      externalURL: 'https://herald.test',
      groupLabels: labels,
      commonLabels: labels,
      truncatedAlerts: 0,
    });
    expect(firing.alerts).toEqual([
      {
        status: 'firing',
        labels,
        annotations: {
          summary: alert.issue.title,
          description: alert.event.message,
          level: alert.issue.level,
          url: alert.issue.url,
        },
        startsAt: alert.issue.firstSeen,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: alert.issue.url,
        fingerprint: alertFingerprint(labels),
      },
    ]);
    // A receiver matches the resolution to the firing by its labels, fingerprint and group key.
    expect(resolved.status).toBe('resolved');
    expect(resolved.groupKey).toBe(firing.groupKey);
    expect(resolved.alerts[0]).toMatchObject({
      status: 'resolved',
      labels,
      fingerprint: firing.alerts[0]!.fingerprint,
      endsAt: new Date(RESOLVED).toISOString(),
    });
  });

  it('ends a resolved Prometheus alert when Prometheus said, or when Herald resolved it if that is later', () => {
    const resolved = (endsAt: string | null) =>
      body('resolved', { ...resolvedType.sample(), alert: { ...prometheusAlert, endsAt } }, RESOLVED)
        .alerts[0]!;
    expect(resolved('2026-03-14T09:59:00.000Z')).toMatchObject({
      status: 'resolved',
      labels: prometheusAlert.labels,
      annotations: prometheusAlert.annotations,
      startsAt: prometheusAlert.startsAt,
      endsAt: '2026-03-14T09:59:00.000Z',
      generatorURL: '',
      fingerprint: prometheusAlert.fingerprint,
    });
    // An end still ahead was the firing's: the alert ended when Herald resolved it.
    expect(resolved('2026-03-14T10:04:00.000Z').endsAt).toBe(new Date(RESOLVED).toISOString());
    expect(resolved(null).endsAt).toBe(new Date(RESOLVED).toISOString());
  });

  it('makes a notification about no issue one alert named after its type', () => {
    const test = body(
      'integration_test',
      {
        organization: { id: 'org_1', slug: 'ops', name: 'Ops' },
        integration: { id: 'int_1', name: 'Incident tool', provider: 'webhook' },
        testId: 'test_1',
        test: true,
      },
      FIRED,
    );
    expect(test.alerts[0]).toMatchObject({
      status: 'firing',
      labels: { alertname: 'HeraldIntegrationTest', integration: 'Incident tool' },
      startsAt: new Date(FIRED).toISOString(),
    });
    expect(test.groupKey).toBe('{}:{alertname="HeraldIntegrationTest", integration="Incident tool"}');
  });
});
