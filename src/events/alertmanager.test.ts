import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alertFingerprint,
  alertIssueFingerprint,
  alertToEvent,
  isResolved,
  type PostableAlert,
  postableAlertsSchema,
  severityLevel,
} from './alertmanager.js';
import { eventSchema } from './event-schema.js';

const NOW = Date.parse('2026-03-14T09:30:00Z');

const alert = (overrides: Partial<PostableAlert> = {}): PostableAlert => ({
  labels: { alertname: 'HighLatency', service: 'checkout', severity: 'critical', instance: 'web-1:9100' },
  annotations: { summary: 'p99 above 1s', runbook_url: 'https://runbooks.example.com/latency' },
  startsAt: '2026-03-14T09:20:00Z',
  endsAt: '2026-03-14T09:34:00Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=latency',
  ...overrides,
});

describe('alertFingerprint', () => {
  it("matches Prometheus' label signature (FNV-1a 64 over sorted names and values)", () => {
    expect(alertFingerprint({})).toBe(14695981039346656037n.toString(16));
    expect(alertFingerprint({ name: 'garland, briggs', fear: 'love is not enough' })).toBe(
      5799056148416392346n.toString(16).padStart(16, '0'),
    );
  });

  it('equals FNV-1a 64 computed with 64-bit integers, over any labels (any Unicode)', () => {
    const reference = (labels: Record<string, string>) => {
      let h = 0xcbf29ce484222325n;
      const add = (byte: number) => {
        h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
      };
      for (const name of Object.keys(labels).sort())
        for (const text of [name, labels[name]!]) {
          for (const byte of Buffer.from(text, 'utf8')) add(byte);
          add(0xff);
        }
      return h.toString(16).padStart(16, '0');
    };
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), (labels) => {
        expect(alertFingerprint(labels)).toBe(reference(labels));
      }),
      { numRuns: 2000 },
    );
  });

  it('does not depend on label order and tells different sets apart', () => {
    expect(alertFingerprint({ a: '1', b: '2' })).toBe(alertFingerprint({ b: '2', a: '1' }));
    expect(alertFingerprint({ a: '1', b: '2' })).not.toBe(alertFingerprint({ a: '12', b: '' }));
  });
});

describe('alertToEvent', () => {
  it('makes a valid event: labels as tags, alertname and summary as message, severity as level', () => {
    const event = alertToEvent(alert(), NOW);
    expect(eventSchema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      message: 'HighLatency: p99 above 1s',
      level: 'fatal',
      logger: 'alertmanager',
      timestamp: Date.parse('2026-03-14T09:20:00Z') / 1000,
      tags: { alertname: 'HighLatency', service: 'checkout', severity: 'critical', instance: 'web-1:9100' },
    });
    expect(event.extra).toMatchObject({
      alertmanager: {
        annotations: { runbook_url: 'https://runbooks.example.com/latency' },
        generatorURL: 'http://prometheus:9090/graph?g0.expr=latency',
      },
    });
  });

  it('gives one firing one event id (re-sends dedupe) and a new firing a new one', () => {
    const first = alertToEvent(alert(), NOW);
    expect(first.event_id).toMatch(/^[0-9a-f]{32}$/);
    // The firing's start first, so ids of newer firings sort after older ones.
    expect(Number.parseInt(String(first.event_id).slice(0, 12), 16)).toBe(
      Date.parse(String(alert().startsAt)),
    );
    expect(alertToEvent(alert(), NOW + 60_000).event_id).toBe(first.event_id);
    expect(alertToEvent(alert({ startsAt: '2026-03-14T10:00:00Z' }), NOW).event_id).not.toBe(first.event_id);
  });

  it('starts a firing sent without startsAt when it arrives, or continues the firing that has not ended', () => {
    const unstarted = alert({ startsAt: undefined });
    const first = alertToEvent(unstarted, NOW);
    expect(Number.parseInt(String(first.event_id).slice(0, 12), 16)).toBe(NOW);
    expect(first.timestamp).toBe(NOW / 1000);
    // Sent again a minute later while it fires: the same firing, the same event.
    expect(alertToEvent(unstarted, NOW + 60_000, { startedAt: NOW }).event_id).toBe(first.event_id);
    // Sent again after it ended: a firing of its own.
    expect(alertToEvent(unstarted, NOW + 600_000).event_id).not.toBe(first.event_id);
  });

  it('gives a firing sent again after its issue was resolved for its end another id, the same each time', () => {
    const startsAt = Date.parse(String(alert().startsAt));
    const first = alertToEvent(alert(), NOW).event_id;
    const expiredAt = startsAt + 10 * 60_000;
    const after = alertToEvent(alert(), NOW, { expiredAt }).event_id;
    expect(after).not.toBe(first);
    expect(alertToEvent(alert(), NOW + 60_000, { expiredAt }).event_id).toBe(after);
    // Ids of firings past a resolution sort after it.
    expect(Number.parseInt(String(after).slice(0, 12), 16)).toBe(expiredAt);
    // A firing that began after the resolution is a firing of its own.
    expect(alertToEvent(alert(), NOW, { expiredAt: startsAt - 1 }).event_id).toBe(first);
  });

  it('groups by label set only: annotations and times do not split an issue', () => {
    const base = alertIssueFingerprint(alert(), NOW);
    expect(alertIssueFingerprint(alert({ annotations: { summary: 'other' } }), NOW)).toBe(base);
    expect(alertIssueFingerprint(alert({ startsAt: '2026-03-14T11:00:00Z' }), NOW)).toBe(base);
    const other = alert({ labels: { ...alert().labels, instance: 'web-2:9100' } });
    expect(alertIssueFingerprint(other, NOW)).not.toBe(base);
  });

  it('falls back to the description, then to the labels, for the message; takes the environment label', () => {
    expect(alertToEvent(alert({ annotations: { description: 'Disk almost full' } }), NOW).message).toBe(
      'HighLatency: Disk almost full',
    );
    const bare = alertToEvent({ labels: { job: 'node', env: 'staging' } }, NOW);
    expect(bare.message).toBe('job=node, env=staging');
    expect(bare.environment).toBe('staging');
    expect(bare.level).toBe('error');
  });

  it('clips label values to the tag limits so any Alertmanager body is accepted', () => {
    const event = alertToEvent({ labels: { alertname: 'Long', detail: 'x'.repeat(500) } }, NOW);
    expect(eventSchema.safeParse(event).success).toBe(true);
    expect((event.tags as Record<string, string>).detail).toHaveLength(200);
  });
});

describe('severityLevel', () => {
  it.each([
    ['critical', 'fatal'],
    ['page', 'fatal'],
    ['error', 'error'],
    ['Warning', 'warning'],
    ['info', 'info'],
    ['none', 'info'],
    ['debug', 'debug'],
    ['whatever', 'error'],
    [undefined, 'error'],
  ])('%s → %s', (severity, level) => {
    expect(severityLevel(severity)).toBe(level);
  });
});

describe('isResolved and the body schema', () => {
  it('an alert has ended when endsAt is set and not in the future; Go zero time means unset', () => {
    expect(isResolved(alert(), NOW)).toBe(false);
    expect(isResolved(alert({ endsAt: '2026-03-14T09:29:00Z' }), NOW)).toBe(true);
    expect(isResolved(alert({ endsAt: '0001-01-01T00:00:00Z' }), NOW)).toBe(false);
    expect(isResolved(alert({ endsAt: undefined }), NOW)).toBe(false);
  });

  it('accepts what Prometheus sends and names what is wrong', () => {
    expect(postableAlertsSchema.safeParse([alert(), { labels: { a: 'b' } }]).success).toBe(true);
    const bad = postableAlertsSchema.safeParse([
      { labels: {} },
      alert({ startsAt: '2026-03-14T10:00:00Z', endsAt: '2026-03-14T09:00:00Z' }),
      { labels: { a: 'b' }, startsAt: 'yesterday' },
    ]);
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((issue) => issue.path.join('.')).sort();
    expect(paths).toEqual(['0.labels', '1.endsAt', '2.startsAt']);
  });
});
