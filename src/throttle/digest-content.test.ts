import { describe, expect, it } from 'vitest';
import { issueRow } from '../events/test-fixtures.js';
import { notificationType } from '../notifications/registry.js';
import { digestPayloadSchema } from '../notifications/types/digest.js';
import type { IssueTable } from '../store/schema.js';
import { type DigestRecord, digestContent } from './digest-content.js';

const T0 = Date.parse('2026-05-04T10:00:00Z');
const organization = { id: 'org_1', slug: 'acme', name: 'Acme' };
const project = { id: 'prj_1', slug: 'ship', name: 'Ship' };

function issue(id: string, status = 'unresolved'): IssueTable {
  return issueRow({
    id,
    fingerprint: id,
    title: `Title of ${id}`,
    culprit: 'checkout',
    status,
    first_seen: T0,
    last_seen: T0,
    times_seen: 3,
    users_seen: 1,
    updated_at: T0,
  });
}

function alert(n: number, issueId: string): DigestRecord {
  return {
    deliveryId: `dlv_a${n}`,
    notificationId: `ntf_a${n}`,
    type: 'issue_alert',
    issueId,
    eventId: `evt_${n}`,
    payload: JSON.stringify({
      organization,
      project,
      issue: { url: `https://h.test/${issueId}` },
      rules: [],
    }),
    createdAt: T0 + n * 1000,
  };
}

function deploy(n: number, environment: string): DigestRecord {
  return {
    deliveryId: `dlv_d${n}`,
    notificationId: `ntf_d${n}`,
    type: 'deploy',
    issueId: null,
    eventId: null,
    payload: JSON.stringify({ organization, project, deploy: { environment } }),
    createdAt: T0 + n * 1000,
  };
}

describe('digestContent with notifications about no issue', () => {
  it('lists held deploys oldest first under their titles, with no issue', () => {
    const summaries = new Map([
      ['dlv_d1', { title: 'Deployed 1.0 to qa', url: 'https://h.test/r/1.0' }],
      ['dlv_d2', { title: 'Deployed 1.0 to production', url: 'https://h.test/r/1.0' }],
    ]);
    const content = digestContent([deploy(1, 'qa'), deploy(2, 'production')], [], new Map(), summaries);
    expect(content.kind).toBe('digest');
    if (content.kind !== 'digest') return;
    expect(content.payload).toMatchObject({
      organization,
      project,
      issues: [],
      totalEvents: 0,
      start: new Date(T0 + 1000).toISOString(),
      end: new Date(T0 + 2000).toISOString(),
    });
    expect(content.payload.others.map((o) => [o.id, o.type, o.title])).toEqual([
      ['ntf_d1', 'deploy', 'Deployed 1.0 to qa'],
      ['ntf_d2', 'deploy', 'Deployed 1.0 to production'],
    ]);
    expect(digestPayloadSchema.safeParse(content.payload).success).toBe(true);
  });

  it('sends one held deploy as itself, also when the issues beside it were resolved', () => {
    expect(digestContent([deploy(1, 'qa')], [], new Map())).toEqual({
      kind: 'single',
      record: deploy(1, 'qa'),
    });
    const records = [alert(1, 'iss_a'), deploy(2, 'qa'), alert(3, 'iss_a')];
    expect(digestContent(records, [issue('iss_a', 'resolved')], new Map())).toEqual({
      kind: 'single',
      record: deploy(2, 'qa'),
    });
    expect(digestContent([alert(1, 'iss_a')], [issue('iss_a', 'resolved')], new Map())).toEqual({
      kind: 'empty',
    });
  });

  it('puts one issue and one deploy in one digest, spanning both', () => {
    const content = digestContent([deploy(1, 'qa'), alert(5, 'iss_a')], [issue('iss_a')], new Map());
    expect(content.kind).toBe('digest');
    if (content.kind !== 'digest') return;
    expect(content.payload.issues.map((i) => [i.id, i.count])).toEqual([['iss_a', 1]]);
    // Without a summary (its type could not be rendered), a deploy is listed by its type.
    expect(content.payload.others).toMatchObject([{ id: 'ntf_d1', title: 'deploy', url: '' }]);
    expect(content.payload.start).toBe(new Date(T0 + 1000).toISOString());
    expect(content.payload.end).toBe(new Date(T0 + 5000).toISOString());
  });

  it('renders a digest of deploys alone, and of issues and deploys, in every channel', async () => {
    const type = notificationType('digest')!;
    const base = type.sample() as Record<string, unknown>;
    const others = [
      {
        id: 'ntf_d1',
        type: 'deploy',
        title: 'Deployed 1.0 to qa',
        url: 'https://h.test/r/1.0',
        createdAt: '2026-03-14T09:10:00.000Z',
      },
    ];
    const context = {
      locale: 'de',
      timeZone: 'UTC',
      baseUrl: 'https://h.test',
      links: { settings: 'https://h.test/settings' },
      notificationId: 'ntf_x',
      timestamp: T0,
    };
    const alone = await type.render('email', { ...base, issues: [], others, totalEvents: 0 }, context);
    expect(alone.subject).toBe('1 Benachrichtigung in checkout-api');
    expect(alone.text).toContain('Deployed 1.0 to qa');
    expect(alone.text).not.toContain('Probleme nach Ereignissen');
    const mixed = await type.render('slack', { ...base, others }, { ...context, locale: 'en' });
    expect(mixed.text).toBe('3 issues and 1 other notification in checkout-api');
    for (const channel of ['msteams', 'discord', 'push', 'inapp', 'pagerduty', 'webhook'] as const)
      await expect(type.render(channel, { ...base, issues: [], others }, context)).resolves.toBeTruthy();
    expect(() => type.parse({ ...base, issues: [], others: [] })).toThrow(/at least one issue/);
  });
});
