import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { type RuleSavedEvent, ruleStore } from '../../src/rules/rule-store.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const RULES = '/api/v1/projects/acme/api/rules';

/**
 * Saving a rule with a Slack action tells the `onRuleSaved` callback what changed; the store is built here
 * with a test callback, on the database of a running Herald.
 */
describe.skipIf(SKIP_PROFILE)('rule-saved confirmation', () => {
  let h: TestHerald;
  const clock = manualClock('2026-03-01T09:00:00Z');
  const ids: Record<string, string> = {};
  const slackRule = () => ({
    name: 'New errors in production',
    environment: 'production',
    conditions: [{ id: 'first_seen_event' }],
    filters: [{ id: 'tagged_event', key: 'browser', match: 'eq', value: 'Chrome' }],
    actions: [{ id: 'slack', integration: ids.slack, channel: '#alerts' }],
  });
  const lines: string[] = [];
  const events: RuleSavedEvent[] = [];
  let failing = false;
  let store: ReturnType<typeof ruleStore>;
  let orgId: string;
  let projectId: string;

  beforeAll(async () => {
    h = await startHerald({}, { clock });
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' });
    ids.team = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'backend', name: 'Backend' })
    ).body.id;
    const integration = async (provider: string, name: string, extra: object) =>
      (await h.request('POST', '/api/v1/orgs/acme/integrations', { provider, name, ...extra })).body.id;
    ids.slack = await integration('slack', 'Acme Slack', { secrets: { botToken: 'xoxb-acme' } });
    ids.webhook = await integration('webhook', 'Acme Hook', { config: { url: 'http://127.0.0.1:9/h' } });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    store = ruleStore({
      db: h.engine.store.db,
      clock,
      logger: createLogger('info', sink),
      async onRuleSaved(event) {
        events.push(event);
        if (failing) throw new Error('slack is down');
      },
    });
    orgId = (await h.engine.services.organizations.resolve({ kind: 'admin' }, 'acme')).id;
    projectId = (await h.engine.services.projects.get(orgId, 'api')).id;
  });
  afterAll(() => h?.close());

  it('tells about a new rule with a Slack action, listing what it does', async () => {
    events.length = 0;
    const rule = await store.create(orgId, projectId, slackRule());
    expect(events).toEqual([
      {
        orgId,
        projectId,
        rule,
        created: true,
        changes: [
          'Set environment to production',
          'Set frequency to 30 minutes',
          'Added condition: A new issue is created',
          "Added filter: The event's tags match browser equals Chrome",
          'Added action: Send a Slack message to #alerts in Acme Slack',
        ],
        slackActions: [{ id: 'slack', integration: ids.slack, channel: '#alerts' }],
      },
    ]);
  });

  it('tells what an edit changed', async () => {
    const rule = await store.create(orgId, projectId, slackRule());
    events.length = 0;
    const updated = await store.replace(orgId, projectId, rule.id, {
      ...slackRule(),
      name: 'Chrome errors',
      frequency: 60,
      conditions: [{ id: 'first_seen_event' }, { id: 'regression_event' }],
      filters: [],
      actions: [
        { id: 'slack', integration: ids.slack, channel: '#alerts' },
        { id: 'notify_email', targetType: 'Team', targetIdentifier: ids.team },
      ],
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ rule: updated, created: false, slackActions: [updated.actions[0]] });
    expect(events[0]!.changes).toEqual([
      'Changed name from "New errors in production" to "Chrome errors"',
      'Changed frequency from 30 to 60 minutes',
      'Added condition: The issue changes state from resolved to unresolved',
      "Removed filter: The event's tags match browser equals Chrome",
      'Added action: Send an email to team Backend',
    ]);
  });

  it('says nothing for rules without a Slack action', async () => {
    events.length = 0;
    const rule = await store.create(orgId, projectId, {
      name: 'hook',
      actions: [{ id: 'webhook', integration: ids.webhook }],
    });
    await store.replace(orgId, projectId, rule.id, {
      name: 'hook 2',
      actions: [{ id: 'webhook', integration: ids.webhook }],
    });
    expect(events).toEqual([]);
  });

  it('logs a failed confirmation and still saves the rule', async () => {
    failing = true;
    try {
      const rule = await store.create(orgId, projectId, { ...slackRule(), name: 'saved anyway' });
      expect(events.at(-1)?.rule.id).toBe(rule.id);
      expect((await h.request('GET', `${RULES}/${rule.id}`)).body.name).toBe('saved anyway');
      expect(lines.join('\n')).toContain('rule-saved confirmation failed');
      expect(lines.join('\n')).toContain('slack is down');
    } finally {
      failing = false;
    }
  });

  it('does not call back when the save fails', async () => {
    events.length = 0;
    await expect(
      store.create(orgId, projectId, {
        ...slackRule(),
        actions: [{ id: 'slack', integration: 'int_nope', channel: '#a' }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(events).toEqual([]);
  });
});
