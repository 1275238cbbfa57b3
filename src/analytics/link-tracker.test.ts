import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import { deliveryRow, insertNotificationWithDeliveries } from '../delivery/test-fixtures.js';
import { openStore, type Store } from '../store/store.js';
import { percentile } from './analytics-report.js';
import { linkTracker } from './link-tracker.js';
import { trackingSettings } from './tracking-settings.js';
import { signTrackingToken, trackingKey, verifyTrackingToken } from './tracking-token.js';

const BASE = 'https://herald.example';
const key = trackingKey('installation-secret-key-0123456789abcdef');

describe('tracking tokens', () => {
  it('verify only with the same key, for the same kind, delivery and link', () => {
    const click = signTrackingToken({ kind: 'click', deliveryId: 'dlv_0123456789abcdef', link: 3 }, key);
    expect(verifyTrackingToken(click, 'click', key)).toEqual({
      kind: 'click',
      deliveryId: 'dlv_0123456789abcdef',
      link: 3,
    });
    expect(verifyTrackingToken(click.replace('.3.', '.4.'), 'click', key)).toBeNull();
    expect(verifyTrackingToken(click, 'open', key)).toBeNull();
    expect(
      verifyTrackingToken(click, 'click', trackingKey('another-secret-key-0123456789abcdef')),
    ).toBeNull();
    const open = signTrackingToken({ kind: 'open', deliveryId: 'dlv_0123456789abcdef' }, key);
    expect(verifyTrackingToken(open, 'open', key)?.deliveryId).toBe('dlv_0123456789abcdef');
    for (const junk of ['', '.', 'a.b.c.d', `${'x'.repeat(300)}.y`, 'dlv_0123456789abcdef.-1.abc'])
      expect(verifyTrackingToken(junk, 'click', key)).toBeNull();
  });
});

describe('percentiles', () => {
  it('are nearest-rank over sorted values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)]).toEqual([
      50, 95, 99,
    ]);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('link tracker', () => {
  let store: Store;
  const clock = manualClock();
  beforeAll(async () => {
    store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
    await store.migrate();
    await insertNotificationWithDeliveries(
      store.db,
      (
        [
          ['dlv_0000000000slack', 'slack'],
          ['dlv_000000000000mail', 'email'],
        ] as const
      ).map(([id, channel]) =>
        deliveryRow({
          id,
          recipient_type: 'channel',
          recipient_id: id,
          channel,
          status: 'sending',
          attempts: 1,
        }),
      ),
    );
  });
  afterAll(() => store.close());

  const tracker = () =>
    linkTracker({
      db: store.db,
      key,
      settings: trackingSettings({ db: store.db, clock }),
      publicUrl: () => BASE,
    });

  it('routes Slack buttons through the click redirect and stores where each one led', async () => {
    const content = {
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '<https://app.example/x|x>' } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Open' },
              url: 'https://app.example/issues/1',
            },
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Mute' },
              url: 'https://app.example/mute?a=1&b=2',
            },
          ],
        },
      ],
    };
    const out = await tracker()(content, { id: 'dlv_0000000000slack', org_id: 'org_1', channel: 'slack' });
    const buttons = (out.blocks as { elements?: { url: string }[] }[])[1]!.elements!;
    expect(buttons.map((b) => b.url)).toEqual([
      `${BASE}/t/c/${signTrackingToken({ kind: 'click', deliveryId: 'dlv_0000000000slack', link: 0 }, key)}`,
      `${BASE}/t/c/${signTrackingToken({ kind: 'click', deliveryId: 'dlv_0000000000slack', link: 1 }, key)}`,
    ]);
    expect(JSON.stringify(out.blocks)).toContain('<https://app.example/x|x>');
    const links = await store.db.selectFrom('delivery_links').selectAll().orderBy('position').execute();
    expect(links.map((l) => l.url)).toEqual([
      'https://app.example/issues/1',
      'https://app.example/mute?a=1&b=2',
    ]);
  });

  it('rewrites email links (entities decoded, unsubscribe and mailto kept) and adds one pixel', async () => {
    const html =
      '<html><body><a href="https://app.example/i?a=1&amp;b=2">Issue</a> <a href="https://app.example/i?a=1&amp;b=2">Again</a>' +
      `<a href="mailto:ops@example.com">Mail</a><a href="${BASE}/unsubscribe?token=t">Unsubscribe</a></body></html>`;
    const out = await tracker()(
      { subject: 's', html, text: 't' },
      { id: 'dlv_000000000000mail', org_id: 'org_1', channel: 'email' },
    );
    const tracked = String(out.html);
    expect(tracked.match(/\/t\/c\//g)).toHaveLength(2);
    expect(tracked).toContain('href="mailto:ops@example.com"');
    expect(tracked).toContain(`href="${BASE}/unsubscribe?token=t"`);
    expect(tracked.match(/\/t\/o\/[^"]+\.gif/g)).toHaveLength(1);
    expect(tracked.indexOf('/t/o/')).toBeLessThan(tracked.indexOf('</body>'));
    const links = await store.db
      .selectFrom('delivery_links')
      .selectAll()
      .where('delivery_id', '=', 'dlv_000000000000mail')
      .execute();
    expect(links.map((l) => l.url)).toEqual(['https://app.example/i?a=1&b=2']);
  });
});
