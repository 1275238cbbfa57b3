import { alertFingerprint } from '../../../events/alertmanager.js';
import { isPlainObject } from '../../../validation.js';
import type { WebhookContent } from './webhook-content.js';

/** Go's zero time, which Alertmanager writes as the end of an alert still firing. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** One alert of Alertmanager's webhook body. */
export interface AlertmanagerWebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** Alertmanager's webhook body, version 4 (what its `webhook_config` receivers read). */
export interface AlertmanagerWebhookBody {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Record<string, string>;
  readonly commonLabels: Record<string, string>;
  readonly commonAnnotations: Record<string, string>;
  readonly externalURL: string;
  readonly alerts: readonly AlertmanagerWebhookAlert[];
}

type Data = Record<string, unknown>;

const record = (value: unknown): Data => (isPlainObject(value) ? value : {});
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries(record(value)).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );

/** Label set as Alertmanager prints it (`{a="1", b="2"}`, names sorted), the form of its group keys. */
function labelSetText(labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${pairs.join(', ')}}`;
}

/** `Herald` and the type in PascalCase: `deploy` → `HeraldDeploy`. */
function typeAlertName(type: string): string {
  return `Herald${type
    .split(/[^a-zA-Z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}`;
}

/**
 * The alert a notification is about. A notification about an issue whose latest event came from a
 * Prometheus alert carries that alert (`event.alert` in an issue alert, `alert` in a resolution or
 * regression): it is sent as it came, labels, annotations, start, generator URL and fingerprint, so a
 * receiver moved from Alertmanager to Herald sees the same alert. Another issue is an alert named after
 * its title, labelled with its project and id (the same labels firing and resolved, so receivers match
 * them). A notification about no issue (a deploy, a test message) is one alert named after its type.
 */
function alertOf(content: WebhookContent): AlertmanagerWebhookAlert {
  const data = content.data;
  const resolved = content.type === 'resolved';
  const at = content.timestamp;
  const sent = record(record(data['event'])['alert']);
  const alert = Object.keys(sent).length > 0 ? sent : record(data['alert']);
  const issue = record(data['issue']);
  const project = record(data['project']);

  if (typeof alert['fingerprint'] === 'string') {
    const ends = text(alert['endsAt']);
    // Resolved: when Prometheus said it ended, if that has passed; else when Herald resolved it.
    const endsAt = resolved
      ? ends !== undefined && Date.parse(ends) <= Date.parse(at)
        ? ends
        : at
      : GO_ZERO_TIME;
    return {
      status: resolved ? 'resolved' : 'firing',
      labels: strings(alert['labels']),
      annotations: strings(alert['annotations']),
      startsAt: text(alert['startsAt']) ?? at,
      endsAt,
      generatorURL: text(alert['generatorURL']) ?? '',
      fingerprint: alert['fingerprint'],
    };
  }

  if (typeof issue['id'] === 'string') {
    const labels: Record<string, string> = {
      alertname: text(issue['title']) ?? issue['id'],
      ...(typeof project['slug'] === 'string' ? { project: project['slug'] } : {}),
      issue_id: issue['id'],
    };
    const message = text(record(data['event'])['message']);
    const culprit = text(issue['culprit']);
    const description = message && message !== labels.alertname ? message : culprit;
    const annotations: Record<string, string> = {
      summary: text(issue['title']) ?? issue['id'],
      ...(description ? { description } : {}),
      ...(typeof issue['level'] === 'string' ? { level: issue['level'] } : {}),
      ...(typeof issue['url'] === 'string' ? { url: issue['url'] } : {}),
    };
    return {
      status: resolved ? 'resolved' : 'firing',
      labels,
      annotations,
      startsAt: text(issue['firstSeen']) ?? at,
      endsAt: resolved ? at : GO_ZERO_TIME,
      generatorURL: text(issue['url']) ?? '',
      fingerprint: alertFingerprint(labels),
    };
  }

  const integration = record(data['integration']);
  const labels: Record<string, string> = {
    alertname: typeAlertName(content.type),
    ...(typeof project['slug'] === 'string' ? { project: project['slug'] } : {}),
    ...(typeof integration['name'] === 'string' ? { integration: integration['name'] } : {}),
  };
  return {
    status: 'firing',
    labels,
    annotations: { summary: `Herald ${content.type.replaceAll('_', ' ')}` },
    startsAt: at,
    endsAt: GO_ZERO_TIME,
    generatorURL: '',
    fingerprint: alertFingerprint(labels),
  };
}

/**
 * A rendered webhook body as Alertmanager's webhook receivers expect it (`version` "4"), for receivers
 * built for Alertmanager: incident tools' Alertmanager integrations, bridges to chat, ticket makers. Each
 * notification is one group of one alert, grouped by all its labels (as `group_by: ['...']` does), so
 * its group key is the same firing and resolved. `receiver` is the integration's name, `externalURL`
 * Herald's address.
 */
export function alertmanagerBody(
  content: WebhookContent,
  receiver: string,
  externalURL: string,
): AlertmanagerWebhookBody {
  const alert = alertOf(content);
  // Alertmanager's order of fields, for receivers that log the body as it came.
  return {
    receiver,
    status: alert.status,
    alerts: [alert],
    groupLabels: alert.labels,
    // One alert: what the group's alerts share is all of it.
    commonLabels: alert.labels,
    commonAnnotations: alert.annotations,
    externalURL,
    version: '4',
    groupKey: `{}:${labelSetText(alert.labels)}`,
    truncatedAlerts: 0,
  };
}
