import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

interface Delivery {
  recipient: { type: string; id: string };
  channel: string;
  status: string;
}
interface Notification {
  id: string;
  projectId: string;
  deliveries: Delivery[];
}

/**
 * The organization's history filtered by a delivery's recipient or status: every page holds what matches,
 * newest first, and paging through reaches every match once, whatever else the filter names (read from
 * the deliveries that lead to them, see notifications/history.ts).
 */
describe.skipIf(SKIP_PROFILE)("the organization's history filtered by its deliveries", () => {
  let h: TestHerald;
  let receiver: Server;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // `/ok` takes every post; `/down` answers 500, so its deliveries wait to be tried again (`failed`).
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(req.url === '/ok' ? 200 : 500).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as { port: number };
    h = await startHerald();
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    ids.ana = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test' })).body.userId;
    for (const slug of ['api', 'web'])
      ids[slug] = (await h.request('POST', '/api/v1/orgs/acme/projects', { slug })).body.id;
    for (const path of ['ok', 'down'])
      ids[path] = (
        await h.request('POST', '/api/v1/orgs/acme/integrations', {
          provider: 'webhook',
          name: path,
          config: { url: `http://127.0.0.1:${port}/${path}` },
        })
      ).body.id;
    // No mail integration: Ana's emails are unroutable (`suppressed`).
    for (const [project, hooks] of [
      ['api', ['ok', 'down']],
      ['web', ['ok']],
    ] as const) {
      const rule = await h.request('POST', `/api/v1/projects/acme/${project}/rules`, {
        name: `Every event in ${project}`,
        frequency: 0,
        conditions: [{ id: 'every_event' }],
        actions: [
          ...hooks.map((hook) => ({ id: 'webhook', integration: ids[hook] })),
          { id: 'notify_email', targetType: 'Member', targetIdentifier: ids.ana },
        ],
      });
      expect(rule.status, rule.text).toBe(201);
    }
    for (let i = 0; i < 5; i++)
      for (const project of ['api', 'web']) {
        const sent = await h.request('POST', `/api/v1/projects/acme/${project}/events`, {
          message: `Error ${i} in ${project}`,
        });
        expect(sent.status).toBe(202);
      }
    for (let i = 0; i < 4; i++) await h.engine.queue.drain();
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  /** Every page of a query, two at a time; the notifications in the order the pages gave them. */
  async function paged(query: string): Promise<Notification[]> {
    const all: Notification[] = [];
    let cursor: string | null = null;
    do {
      const answer: Answer = await h.request(
        'GET',
        `/api/v1/orgs/acme/notifications?limit=2&${query}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(answer.status, answer.text).toBe(200);
      all.push(...answer.body.data);
      cursor = answer.body.nextCursor;
    } while (cursor);
    return all;
  }
  const everything = async () => paged('');
  const matching = (all: Notification[], keep: (n: Notification, d: Delivery) => boolean) =>
    all.filter((n) => n.deliveries.some((d) => keep(n, d))).map((n) => n.id);

  it('pages through every notification with a delivery of a status, newest first, once each', async () => {
    const all = await everything();
    expect(all).toHaveLength(10);
    const failed = await paged('status=failed');
    expect(failed.map((n) => n.id)).toEqual(matching(all, (_n, d) => d.status === 'failed'));
    expect(failed).toHaveLength(5);
    expect(failed.map((n) => n.id)).toEqual([...failed.map((n) => n.id)].sort().reverse());
    const suppressed = await paged('status=suppressed');
    expect(suppressed.map((n) => n.id)).toEqual(all.map((n) => n.id));
    // With the notifications' own filters: each page is full until the last.
    expect((await paged('status=suppressed&project=web')).map((n) => n.id)).toEqual(
      matching(all, (n) => n.projectId === ids.web),
    );
    expect(await paged('status=failed&project=web')).toEqual([]);
    expect((await paged('status=failed&channel=webhook&type=issue_alert')).map((n) => n.id)).toEqual(
      failed.map((n) => n.id),
    );
    expect(await paged('status=failed&channel=email')).toEqual([]);
  });

  it("pages through every notification to a recipient, a webhook's or a person's, with the other filters", async () => {
    const all = await everything();
    expect((await paged(`recipient=${ids.down}`)).map((n) => n.id)).toEqual(
      matching(all, (_n, d) => d.recipient.id === ids.down),
    );
    expect((await paged(`recipient=${ids.ok}`)).map((n) => n.id)).toEqual(all.map((n) => n.id));
    expect((await paged(`recipient=${ids.ana}&status=suppressed&project=api`)).map((n) => n.id)).toEqual(
      matching(all, (n) => n.projectId === ids.api),
    );
    expect(await paged(`recipient=${ids.ok}&status=failed`)).toEqual([]);
    expect(await paged('recipient=usr_nobody')).toEqual([]);
  });
});
