import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManualClock, manualClock } from '../../src/clock.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

const HOUR = 3_600_000;
const RULES = '/api/v1/projects/acme/api/rules';

describe.skipIf(SKIP_PROFILE)('rules API', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let keyAcme: string;
  let keyOther: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    clock = manualClock('2026-03-01T09:00:00Z');
    h = await startHerald({}, { clock });
    for (const org of ['acme', 'other']) {
      await h.request('POST', '/api/v1/orgs', { slug: org });
      await h.request('POST', `/api/v1/orgs/${org}/projects`, { slug: org === 'acme' ? 'api' : 'site' });
    }
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'web' });
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'checks' });
    ids.alice = (
      await h.request('POST', '/api/v1/orgs/acme/members', { email: 'alice@acme.test', name: 'Alice' })
    ).body.userId;
    ids.carol = (
      await h.request('POST', '/api/v1/orgs/other/members', { email: 'carol@other.test' })
    ).body.userId;
    ids.team = (
      await h.request('POST', '/api/v1/orgs/acme/teams', { slug: 'backend', name: 'Backend' })
    ).body.id;
    ids.otherTeam = (await h.request('POST', '/api/v1/orgs/other/teams', { slug: 'ops' })).body.id;
    const integration = async (org: string, provider: string, name: string, extra: object) =>
      (await h.request('POST', `/api/v1/orgs/${org}/integrations`, { provider, name, ...extra })).body
        .id as string;
    ids.slack = await integration('acme', 'slack', 'Acme Slack', { secrets: { botToken: 'xoxb-acme' } });
    ids.webhook = await integration('acme', 'webhook', 'Acme Hook', {
      config: { url: 'http://127.0.0.1:9/h' },
    });
    ids.otherSlack = await integration('other', 'slack', 'Other Slack', {
      secrets: { botToken: 'xoxb-other' },
    });
    keyAcme = (await h.request('POST', '/api/v1/orgs/acme/api-keys', { name: 'acme' })).body.token;
    keyOther = (await h.request('POST', '/api/v1/orgs/other/api-keys', { name: 'other' })).body.token;
  });
  afterAll(() => h?.close());

  const slackRule = () => ({
    name: 'New errors in production',
    environment: 'production',
    conditions: [{ id: 'first_seen_event' }],
    filters: [{ id: 'tagged_event', key: 'browser', match: 'eq', value: 'Chrome' }],
    actions: [{ id: 'slack', integration: ids.slack, channel: '#alerts' }],
  });
  const paths = (answer: { body: { error: { details: { path: string }[] } } }) =>
    answer.body.error.details.map((d) => d.path);

  it('creates, lists, reads, replaces and deletes a rule', async () => {
    const created = await h.request('POST', RULES, slackRule());
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^rule_/),
      projectId: expect.any(String),
      ...slackRule(),
      actionMatch: 'all',
      filterMatch: 'all',
      frequency: 30,
      createdAt: '2026-03-01T09:00:00.000Z',
      updatedAt: '2026-03-01T09:00:00.000Z',
      snoozes: [],
    });
    const id = created.body.id;

    expect((await h.request('GET', `${RULES}/${id}`)).body).toEqual(created.body);
    // A rule read back is sent again as it is: the answer's own fields are let through.
    const resent = await h.request('PUT', `${RULES}/${id}`, created.body);
    expect(resent.status).toBe(200);
    expect(resent.body.name).toBe(created.body.name);
    const list = await h.request('GET', RULES);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([id]);

    clock.advance(60_000);
    const replaced = await h.request('PUT', `${RULES}/${id}`, {
      name: 'Every error',
      frequency: 60,
      actionMatch: 'any',
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'webhook', integration: ids.webhook }],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      id,
      name: 'Every error',
      environment: null,
      frequency: 60,
      actionMatch: 'any',
      filters: [],
      actions: [{ id: 'webhook', integration: ids.webhook }],
      createdAt: '2026-03-01T09:00:00.000Z',
      updatedAt: '2026-03-01T09:01:00.000Z',
    });
    expect((await h.request('GET', `${RULES}/${id}`)).body).toEqual(replaced.body);

    expect((await h.request('DELETE', `${RULES}/${id}`)).status).toBe(204);
    expect((await h.request('GET', `${RULES}/${id}`)).status).toBe(404);
    expect((await h.request('DELETE', `${RULES}/${id}`)).status).toBe(404);
    expect((await h.request('GET', RULES)).body.data).toEqual([]);
  });

  it("takes a rule exported from Sentry's API as it is, and answers it in Herald's spelling", async () => {
    const exported = {
      id: '17',
      name: 'Sentry: new high-priority errors',
      conditions: [
        {
          id: 'sentry.rules.conditions.high_priority_issue.NewHighPriorityIssueCondition',
          name: 'Sentry marks a new issue as high priority',
        },
      ],
      filters: [
        {
          id: 'sentry.rules.filters.assigned_to.AssignedToFilter',
          targetType: 'Unassigned',
          targetIdentifier: '',
          name: 'The issue is assigned to no one',
        },
      ],
      actions: [
        {
          id: 'sentry.mail.actions.NotifyEmailAction',
          targetType: 'Member',
          targetIdentifier: ids.alice,
          name: 'Send a notification to Member',
        },
      ],
      actionMatch: 'any',
      filterMatch: 'all',
      frequency: 30,
      environment: null,
      dateCreated: '2024-05-02T10:11:12.000000Z',
      createdBy: { id: 1, name: 'Jane', email: 'jane@acme.test' },
      owner: null,
      projects: ['api'],
      status: 'active',
      snooze: false,
    };
    const created = await h.request('POST', RULES, exported);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      conditions: [{ id: 'new_high_priority_issue' }],
      filters: [{ id: 'assigned_to', targetType: 'Unassigned' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: ids.alice }],
    });
    expect((await h.request('DELETE', `${RULES}/${created.body.id}`)).status).toBe(204);
  });

  it('keeps rules to their project', async () => {
    const created = await h.request('POST', '/api/v1/projects/acme/web/rules', slackRule());
    expect((await h.request('GET', RULES)).body.data).toEqual([]);
    expect((await h.request('GET', `${RULES}/${created.body.id}`)).status).toBe(404);
    expect((await h.request('GET', '/api/v1/projects/acme/nope/rules')).status).toBe(404);
  });

  it('gives the evaluator every rule of a project, parsed, skipping one that no longer validates', async () => {
    const project = await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'evaluated' });
    const path = '/api/v1/projects/acme/evaluated/rules';
    const first = await h.request('POST', path, slackRule());
    const second = await h.request('POST', path, {
      name: 'bursts',
      conditions: [{ id: 'event_frequency', value: 10, interval: '1h' }],
      actions: [{ id: 'webhook', integration: ids.webhook }],
    });
    await h.engine.store.db
      .updateTable('rules')
      .set({ conditions: '[{"id":"retired_condition"}]' })
      .where('id', '=', first.body.id)
      .execute();
    const rules = await h.engine.services.rules.activeRulesForProject(project.body.id);
    expect(rules).toEqual([
      {
        id: second.body.id,
        orgId: expect.stringMatching(/^org_/),
        projectId: project.body.id,
        name: 'bursts',
        environment: null,
        actionMatch: 'all',
        filterMatch: 'all',
        frequency: 30,
        conditions: [{ id: 'event_frequency', value: 10, interval: '1h', comparisonType: 'count' }],
        filters: [],
        actions: [{ id: 'webhook', integration: ids.webhook }],
      },
    ]);
    expect(h.logs.join('\n')).toContain('stored rule is invalid; skipped');
  });

  describe('validation', () => {
    const CHECKS = '/api/v1/projects/acme/checks/rules';
    const body = (patch: object) => ({
      name: 'r',
      actions: [{ id: 'webhook', integration: ids.webhook }],
      ...patch,
    });
    const action = (node: object) => body({ actions: [node] });
    const email = (targetType: string, targetIdentifier: string) =>
      action({ id: 'notify_email', targetType, targetIdentifier });
    /** A person action for Alice with its own fallback list. */
    const person = (id: string, fallback: string[]) =>
      action({ id, targetType: 'Member', targetIdentifier: ids.alice, fallback });

    it.each<[string, () => object, string[]]>([
      ['an unknown condition id', () => body({ conditions: [{ id: 'sometimes' }] }), ['conditions.0.id']],
      ['an unknown filter id', () => body({ filters: [{ id: 'colour' }] }), ['filters.0.id']],
      ['an unknown action id', () => action({ id: 'carrier_pigeon' }), ['actions.0.id']],
      [
        'a bad operator',
        () => body({ filters: [{ id: 'tagged_event', key: 'browser', match: 'like', value: 'x' }] }),
        ['filters.0.match'],
      ],
      [
        'a bad interval',
        () => body({ conditions: [{ id: 'event_frequency', value: 10, interval: '2h' }] }),
        ['conditions.0.interval'],
      ],
      [
        'a misspelt option',
        () => body({ conditions: [{ id: 'event_frequency', value: 1, interval: '1h', intervall: '1m' }] }),
        ['conditions.0.intervall'],
      ],
      [
        'a misspelt field of the rule',
        () => body({ condition: [{ id: 'first_seen_event' }], filter: [] }),
        ['condition', 'filter'],
      ],
      ['a field rules do not have', () => body({ owner: 'team:1' }), ['owner']],
      ['a frequency over 43200', () => body({ frequency: 43_201 }), ['frequency']],
      ['a negative frequency', () => body({ frequency: -1 }), ['frequency']],
      [
        'an unknown integration',
        () => action({ id: 'webhook', integration: 'int_nope' }),
        ['actions.0.integration'],
      ],
      [
        "another organization's integration",
        () => action({ id: 'slack', integration: ids.otherSlack, channel: '#a' }),
        ['actions.0.integration'],
      ],
      [
        'an integration of the wrong provider',
        () => action({ id: 'slack', integration: ids.webhook, channel: '#a' }),
        ['actions.0.integration'],
      ],
      [
        'a fallback naming a channel twice',
        () => person('notify_email', ['inapp', 'slack', 'inapp']),
        ['actions.0.fallback.2'],
      ],
      [
        "a fallback naming the action's own channel",
        () => person('notify_push', ['email', 'push']),
        ['actions.0.fallback.1'],
      ],
      ['an unknown member', () => email('Member', 'usr_nobody'), ['actions.0.targetIdentifier']],
      ["another organization's member", () => email('Member', ids.carol!), ['actions.0.targetIdentifier']],
      ['an unknown team', () => email('Team', 'team_nope'), ['actions.0.targetIdentifier']],
      ["another organization's team", () => email('Team', ids.otherTeam!), ['actions.0.targetIdentifier']],
      [
        'an unknown assignee',
        () => body({ filters: [{ id: 'assigned_to', targetType: 'Member', targetIdentifier: ids.carol }] }),
        ['filters.0.targetIdentifier'],
      ],
      [
        'several bad references',
        () =>
          body({
            filters: [{ id: 'assigned_to', targetType: 'Team', targetIdentifier: 'team_nope' }],
            actions: [
              { id: 'notify_email', targetType: 'IssueOwners' },
              { id: 'discord', integration: ids.webhook },
              { id: 'notify_push', targetType: 'Member', targetIdentifier: 'usr_nobody' },
            ],
          }),
        ['actions.1.integration', 'actions.2.targetIdentifier', 'filters.0.targetIdentifier'],
      ],
    ])('%s → 400 naming the field', async (_what, make, expected) => {
      const answer = await h.request('POST', CHECKS, make());
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_input');
      expect(paths(answer).sort()).toEqual(expected);
    });

    it('suggests the field a misspelt one meant, for a rule and its preview', async () => {
      const typo = body({ condition: [{ id: 'first_seen_event' }] });
      const answer = await h.request('POST', CHECKS, typo);
      expect(answer.body.error.details).toEqual([
        { path: 'condition', message: 'Unknown field: did you mean "conditions"?' },
      ]);
      const preview = await h.request('POST', `${CHECKS}/preview`, typo);
      expect(preview.status).toBe(400);
      expect(paths(preview)).toEqual(['condition']);
    });

    it("says why a fallback channel is refused, as for a person's own list", async () => {
      const answer = await h.request(
        'POST',
        CHECKS,
        body({
          actions: [
            { id: 'notify_email', targetType: 'Member', targetIdentifier: ids.alice, fallback: ['email'] },
            {
              id: 'notify_inapp',
              targetType: 'Team',
              targetIdentifier: ids.team,
              fallback: ['push', 'push'],
            },
          ],
        }),
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual([
        { path: 'actions.0.fallback.0', message: "'email' is the action's own channel" },
        { path: 'actions.1.fallback.1', message: "'push' is already in the list" },
      ]);
      const preview = await h.request('POST', `${CHECKS}/preview`, person('notify_inapp', ['inapp']));
      expect(preview.status).toBe(400);
      expect(paths(preview)).toEqual(['actions.0.fallback.0']);
      const fine = await h.request('POST', CHECKS, person('notify_email', ['slack', 'inapp']));
      expect(fine.status, fine.text).toBe(201);
      expect(fine.body.actions[0].fallback).toEqual(['slack', 'inapp']);
      expect((await h.request('DELETE', `${CHECKS}/${fine.body.id}`)).status).toBe(204);
    });

    it('names the provider an action needs', async () => {
      const answer = await h.request(
        'POST',
        CHECKS,
        action({ id: 'slack', integration: ids.webhook, channel: '#a' }),
      );
      expect(answer.body.error.details[0].message).toBe(
        'is a webhook integration; "slack" needs a slack one',
      );
    });

    it("tells a member named by email or a team by slug the id to use; another organization's stay unknown", async () => {
      const answer = await h.request(
        'POST',
        CHECKS,
        body({
          actions: [
            { id: 'notify_email', targetType: 'Member', targetIdentifier: 'Alice@acme.test' },
            { id: 'notify_email', targetType: 'Member', targetIdentifier: 'carol@other.test' },
            { id: 'notify_email', targetType: 'Team', targetIdentifier: 'backend' },
            { id: 'notify_email', targetType: 'Team', targetIdentifier: '#backend' },
            { id: 'notify_email', targetType: 'Team', targetIdentifier: 'ops' },
          ],
        }),
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual([
        {
          path: 'actions.0.targetIdentifier',
          message: `Alice@acme.test is a member's email; rules name members by user id (${ids.alice})`,
        },
        {
          path: 'actions.1.targetIdentifier',
          message: 'carol@other.test is not a member of this organization',
        },
        {
          path: 'actions.2.targetIdentifier',
          message: `backend is a team's slug; rules name teams by id (${ids.team})`,
        },
        {
          path: 'actions.3.targetIdentifier',
          message: `#backend is a team's slug; rules name teams by id (${ids.team})`,
        },
        { path: 'actions.4.targetIdentifier', message: 'ops is not a team of this organization' },
      ]);
    });

    it('accepts members and teams of the organization', async () => {
      const answer = await h.request(
        'POST',
        CHECKS,
        body({
          filters: [{ id: 'assigned_to', targetType: 'Team', targetIdentifier: ids.team }],
          actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: ids.alice }],
        }),
      );
      expect(answer.status).toBe(201);
      expect((await h.request('DELETE', `${CHECKS}/${answer.body.id}`)).status).toBe(204);
    });

    it('wrote nothing for the rejected rules, and a rejected PUT leaves the rule as it was', async () => {
      expect((await h.request('GET', CHECKS)).body.data).toEqual([]);
      const created = await h.request('POST', CHECKS, body({ name: 'kept' }));
      const rejected = await h.request('PUT', `${CHECKS}/${created.body.id}`, {
        name: 'changed',
        actions: [{ id: 'webhook', integration: 'int_nope' }],
      });
      expect(rejected.status).toBe(400);
      expect(paths(rejected)).toEqual(['actions.0.integration']);
      expect((await h.request('GET', `${CHECKS}/${created.body.id}`)).body).toEqual(created.body);
    });
  });

  describe('isolation', () => {
    let ruleId: string;
    const OWN = '/api/v1/projects/other/site/rules';

    beforeAll(async () => {
      ruleId = (await h.request('POST', RULES, slackRule())).body.id;
    });

    it.each([
      ['GET', ''],
      ['PUT', ''],
      ['DELETE', ''],
      ['POST', '/snooze'],
      ['DELETE', '/snooze?target=everyone'],
    ])("answers another organization's key on %s %s as for a missing rule", async (method, suffix) => {
      const payload = method === 'PUT' ? slackRule() : method === 'POST' ? { target: 'everyone' } : undefined;
      const foreign = await h.request(method, `${RULES}/${ruleId}${suffix}`, payload, { token: keyOther });
      const missingOrg = await h.request(
        method,
        `/api/v1/projects/nowhere/api/rules/${ruleId}${suffix}`,
        payload,
        {
          token: keyOther,
        },
      );
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual(missingOrg.body);

      // Through its own project the rule id is simply unknown.
      const viaOwn = await h.request(method, `${OWN}/${ruleId}${suffix}`, payload, { token: keyOther });
      const missing = await h.request(method, `${OWN}/rule_nope${suffix}`, payload, { token: keyOther });
      expect(viaOwn.status).toBe(404);
      expect(viaOwn.body).toEqual(missing.body);
      expect(viaOwn.body.error.message).toBe('Rule not found');
    });

    it('never lists them, and leaves them untouched', async () => {
      expect((await h.request('GET', OWN, undefined, { token: keyOther })).body.data).toEqual([]);
      expect((await h.request('GET', RULES, undefined, { token: keyOther })).status).toBe(404);
      const own = await h.request('GET', `${RULES}/${ruleId}`, undefined, { token: keyAcme });
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ name: slackRule().name, snoozes: [] });
    });
  });

  describe('snoozes', () => {
    let ruleId: string;
    const snooze = (body: object, token?: string) =>
      h.request('POST', `${RULES}/${ruleId}/snooze`, body, token ? { token } : {});
    const state = async () => {
      const map = await h.engine.services.ruleSnoozes.snoozeState([ruleId], clock.now());
      const entry = map.get(ruleId)!;
      return { everyone: entry.everyone, users: [...entry.users] };
    };

    beforeAll(async () => {
      ruleId = (await h.request('POST', RULES, { ...slackRule(), name: 'snoozable' })).body.id;
    });

    it('mutes a rule for everyone until a time, and the snooze ends by itself', async () => {
      const until = new Date(clock.now() + HOUR).toISOString();
      const answer = await snooze({ target: 'everyone', until });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({ target: 'everyone', userId: null, until, createdAt: expect.any(String) });
      expect((await h.request('GET', `${RULES}/${ruleId}`)).body.snoozes).toEqual([answer.body]);
      expect(await state()).toEqual({ everyone: true, users: [] });

      clock.advance(HOUR - 1);
      expect(await state()).toEqual({ everyone: true, users: [] });
      clock.advance(1);
      expect(await state()).toEqual({ everyone: false, users: [] });
      expect((await h.request('GET', `${RULES}/${ruleId}`)).body.snoozes).toEqual([]);
    });

    it('mutes a rule for one user, named by an admin, forever', async () => {
      const answer = await snooze({ target: 'me', userId: ids.alice, until: null });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ target: 'user', userId: ids.alice, until: null });
      expect(await state()).toEqual({ everyone: false, users: [ids.alice] });
      clock.advance(400 * 24 * HOUR);
      expect(await state()).toEqual({ everyone: false, users: [ids.alice] });

      const lifted = await h.request('DELETE', `${RULES}/${ruleId}/snooze?target=me&userId=${ids.alice}`);
      expect(lifted.status).toBe(204);
      expect(await state()).toEqual({ everyone: false, users: [] });
      const again = await h.request('DELETE', `${RULES}/${ruleId}/snooze?target=me&userId=${ids.alice}`);
      expect(again.status).toBe(404);
    });

    it('lifts a snooze for everyone, and a new snooze replaces the old one', async () => {
      await snooze({ target: 'everyone' });
      const later = new Date(clock.now() + 2 * HOUR).toISOString();
      await snooze({ target: 'everyone', until: later });
      const shown = (await h.request('GET', `${RULES}/${ruleId}`)).body.snoozes;
      expect(shown).toEqual([expect.objectContaining({ target: 'everyone', until: later })]);
      expect((await h.request('DELETE', `${RULES}/${ruleId}/snooze?target=everyone`)).status).toBe(204);
      expect(await state()).toEqual({ everyone: false, users: [] });
    });

    it.each<[string, () => object, string[], boolean?]>([
      [
        'an end in the past',
        () => ({ target: 'everyone', until: new Date(clock.now() - 1).toISOString() }),
        ['until'],
      ],
      [
        'an end that is now',
        () => ({ target: 'everyone', until: new Date(clock.now()).toISOString() }),
        ['until'],
      ],
      ['an end that is no time', () => ({ target: 'everyone', until: 'tomorrow' }), ['until']],
      ['an unknown target', () => ({ target: 'them' }), ['target']],
      ['"me" without a user (admin token)', () => ({ target: 'me' }), ['target']],
      ['"me" without a user (API key)', () => ({ target: 'me' }), ['target'], true],
      ['a user outside the organization', () => ({ target: 'me', userId: ids.carol }), ['userId']],
    ])('refuses %s, naming the field', async (_what, make, expected, withKey) => {
      const answer = await snooze(make(), withKey ? keyAcme : undefined);
      expect(answer.status).toBe(400);
      expect(paths(answer)).toEqual(expected);
      expect(await state()).toEqual({ everyone: false, users: [] });
    });

    it('refuses to lift "me" without a user', async () => {
      const answer = await h.request('DELETE', `${RULES}/${ruleId}/snooze?target=me`);
      expect(answer.status).toBe(400);
      expect(paths(answer)).toEqual(['target']);
    });
  });
});
