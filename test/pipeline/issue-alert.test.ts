import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { type StoredEvents, storedEvents } from '../../src/events/event-records.js';
import { frequencyStore } from '../../src/events/frequency-store.js';
import { type FanOut, fanOut } from '../../src/notifications/fan-out.js';
import { issueAlerts } from '../../src/notifications/issue-alerts.js';
import { type NotificationStore, notificationStore } from '../../src/notifications/notification-store.js';
import { issueAlertPayloadSchema } from '../../src/notifications/types/issue-alert.js';
import { preferenceDecisions } from '../../src/preferences/decisions.js';
import type { Job } from '../../src/queue/queue.js';
import { type RuleProcessor, ruleProcessor } from '../../src/rules/rule-processor.js';
import { makeInput, makeIssue } from '../../src/rules/test-fixtures.js';
import { referenceCache } from '../../src/tenancy/reference-cache.js';
import { countingDb } from '../helpers/counting-db.js';
import { startHerald, type TestHerald } from '../helpers/herald.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/** Ingest → rules → one notification naming every rule that fired, as the history shows it. */
describe.skipIf(SKIP_PROFILE)('issue alerts end to end', () => {
  let h: TestHerald;
  let clock: ManualClock;
  let userId: string;
  beforeAll(async () => {
    h = await startHerald();
    clock = h.clock as ManualClock;
    await h.request('POST', '/api/v1/orgs', { slug: 'acme' });
    userId = (await h.request('POST', '/api/v1/orgs/acme/members', { email: 'ana@acme.test', role: 'owner' }))
      .body.userId;
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'api' });
  });
  afterAll(() => h?.close());

  const rule = (name: string, extra: Record<string, unknown> = {}, project = 'api') =>
    h.request('POST', `/api/v1/projects/acme/${project}/rules`, {
      name,
      actionMatch: 'all',
      frequency: 30,
      conditions: [{ id: 'first_seen_event' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: userId }],
      ...extra,
    });
  const ingest = (body: Record<string, unknown>) =>
    h.request('POST', '/api/v1/projects/acme/api/events', body);
  /** A new project of the org, with its row id. */
  async function newProject(slug: string): Promise<{ id: string }> {
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug });
    return h.engine.store.db
      .selectFrom('projects')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow();
  }
  const history = async (query = '') =>
    (await h.request('GET', `/api/v1/orgs/acme/notifications${query}`)).body;

  it('several rules firing on one event make one notification naming all of them', async () => {
    const a = (await rule('New errors')).body.id;
    const b = (await rule('New errors in production', { environment: 'production' })).body.id;
    const c = (await rule('Only staging', { environment: 'staging' })).body.id;
    expect([a, b, c].every(Boolean)).toBe(true);

    const first = await ingest({
      message: 'Database timeout after 30s',
      level: 'error',
      environment: 'production',
    });
    expect(first.status).toBe(202);
    await h.engine.queue.drain();

    const { data } = await history();
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ type: 'issue_alert', issueId: first.body.issueId });
    expect([...data[0].ruleIds].sort()).toEqual([a, b].sort());

    const byRule = await history(`?rule=${b}`);
    expect(byRule.data).toHaveLength(1);
    const otherRule = await history(`?rule=${c}`);
    expect(otherRule.data).toHaveLength(0);
  });

  it("a firing's payload is exactly what its type's schema makes of it, so it is not validated again", async () => {
    // A project of its own: its rule fires on every event and must not reach the other cases.
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'payments' });
    const fired = (
      await h.request('POST', '/api/v1/projects/acme/payments/rules', {
        name: 'Full payload',
        frequency: 0,
        conditions: [{ id: 'every_event' }],
        actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: userId }],
      })
    ).body.id;
    const sent = await h.request('POST', '/api/v1/projects/acme/payments/events', {
      message: 'Payment declined for order 1234',
      level: 'warning',
      environment: 'production',
      release: 'web@2.1.0',
      tags: { region: 'eu-west', customer: 'enterprise' },
      user: { id: 'u-42', email: 'buyer@example.test' },
      exception: {
        values: [
          {
            type: 'CardError',
            value: 'Declined',
            stacktrace: { frames: [{ filename: 'pay.js', function: 'charge', lineno: 12, in_app: true }] },
          },
        ],
      },
    });
    expect(sent.status).toBe(202);
    await h.engine.queue.drain();
    const [row] = await h.engine.store.db
      .selectFrom('notifications')
      .innerJoin('notification_rules', 'notification_rules.notification_id', 'notifications.id')
      .select('payload')
      .where('notification_rules.rule_id', '=', fired)
      .execute();
    const payload = JSON.parse(row!.payload);
    expect(payload.event.frames).toHaveLength(1);
    expect(issueAlertPayloadSchema.parse(payload)).toEqual(payload);
  });

  it("evaluations of a project that start together read its rule set's stamp once, and a saved rule applies to the next", async () => {
    const project = await newProject('stamps');
    let reads = 0;
    // The database, counting the reads of a project's rule-set stamp.
    const counted = countingDb(h.engine.store.db, (query) => {
      if (/count\(\*\).*from "rules"/.test(query.sql)) reads++;
    });
    const processor = ruleProcessor({ db: counted, clock, rules: h.engine.services.rules });
    const input = makeInput({
      issue: makeIssue({ id: 'iss_stamps', projectId: project.id }),
      now: clock.now(),
    });
    const together = await Promise.all(Array.from({ length: 20 }, () => processor.matching(input)));
    expect(together.every((r) => r.rules.length === 0)).toBe(true);
    expect(reads).toBe(1);

    const saved = await rule(
      'Saved meanwhile',
      { frequency: 0, conditions: [{ id: 'every_event' }] },
      'stamps',
    );
    expect(saved.status, saved.text).toBe(201);
    const next = await processor.matching(input);
    expect(reads).toBe(2);
    expect(next.rules.map((r) => r.id)).toEqual([saved.body.id]);
  });

  it("evaluations that reach the rules' state together read it with one statement, each its issue's own", async () => {
    const project = await newProject('states');
    const every = { frequency: 60, conditions: [{ id: 'every_event' }] };
    const created = await rule('Every event, hourly', every, 'states');
    expect(created.status, created.text).toBe(201);
    const ruleId: string = created.body.id;
    const snoozed = await h.request('POST', `/api/v1/projects/acme/states/rules/${ruleId}/snooze`, {
      target: 'me',
      userId,
    });
    expect(snoozed.status, snoozed.text).toBeLessThan(300);
    // The rule fired for the first issue a minute ago: its interval is open for the others only.
    await h.engine.store.db
      .insertInto('rule_fire_state')
      .values({ rule_id: ruleId, issue_id: 'iss_state_1', last_fired: clock.now() - 60_000 })
      .execute();
    const statements: string[] = [];
    const counted = countingDb(h.engine.store.db, (query) => statements.push(query.sql));
    const rules = h.engine.services.rules;
    let loads = 0;
    const processor = ruleProcessor({
      db: counted,
      clock,
      rules: {
        ...rules,
        activeRulesForProject: (id) => {
          loads++;
          return rules.activeRulesForProject(id);
        },
      },
    });
    const matching = (issueId: string) =>
      processor.matching(
        makeInput({ issue: makeIssue({ id: issueId, projectId: project.id }), now: clock.now() }),
      );
    const [held, second, third] = await Promise.all(
      ['iss_state_1', 'iss_state_2', 'iss_state_3'].map(matching),
    );
    expect(held?.rules).toEqual([]);
    expect(held?.lastFired).toEqual(new Map([[ruleId, clock.now() - 60_000]]));
    for (const open of [second, third]) {
      expect(open?.rules.map((r) => [r.id, r.mutedUserIds])).toEqual([[ruleId, [userId]]]);
      expect(open?.lastFired).toEqual(new Map());
    }
    // One read of the rule set (and one of its stamp), one of the three issues' states.
    expect(loads).toBe(1);
    expect(statements.filter((text) => /from "rule_fire_state"/.test(text))).toHaveLength(1);
  });

  it("Sentry's high-priority conditions: new errors and ignored high-priority issues that come back, not warnings", async () => {
    await newProject('prio');
    const ids = {} as Record<'fresh' | 'back', string>;
    for (const [key, condition] of [
      ['fresh', 'new_high_priority_issue'],
      ['back', 'existing_high_priority_issue'],
    ] as const) {
      const created = await rule(
        `High priority: ${condition}`,
        { conditions: [{ id: condition }], frequency: 0 },
        'prio',
      );
      expect(created.status, created.text).toBe(201);
      ids[key] = created.body.id;
    }
    const send = async (message: string, level: string) => {
      const r = await h.request('POST', '/api/v1/projects/acme/prio/events', { message, level });
      expect(r.status).toBe(202);
      await h.engine.queue.drain();
      return r.body.issueId as string;
    };
    const fired = async (ruleId: string) =>
      ((await history(`?rule=${ruleId}`)).data as { issueId: string }[]).map((n) => n.issueId);

    const error = await send('Payment provider refused the charge', 'error');
    const warning = await send('Slow response from the search index', 'warning');
    expect(await fired(ids.fresh)).toEqual([error]);
    // A second event of the error is not new; neither rule fires on it.
    await send('Payment provider refused the charge', 'error');
    expect(await fired(ids.fresh)).toEqual([error]);
    expect(await fired(ids.back)).toEqual([]);

    // Ignored until one more event: that event brings it back, and it is of high priority.
    for (const issueId of [error, warning]) {
      const ignored = await h.request('PATCH', `/api/v1/issues/${issueId}`, {
        status: 'ignored',
        ignoreCount: 1,
      });
      expect(ignored.status, ignored.text).toBe(200);
    }
    await send('Payment provider refused the charge', 'error');
    await send('Payment provider refused the charge', 'error');
    await send('Slow response from the search index', 'warning');
    await send('Slow response from the search index', 'warning');
    expect(await fired(ids.back)).toEqual([error]);

    // A person raises the warning's priority: the next time it comes back, it is told.
    const raised = await h.request('PATCH', `/api/v1/issues/${warning}`, {
      status: 'ignored',
      ignoreCount: 1,
      priority: 'high',
    });
    expect(raised.status, raised.text).toBe(200);
    await send('Slow response from the search index', 'warning');
    await send('Slow response from the search index', 'warning');
    expect((await fired(ids.back)).sort()).toEqual([warning, error].sort());
    expect(await fired(ids.fresh)).toEqual([error]);
  });

  it('the action interval holds a second firing for the same issue until it passes', async () => {
    await h.request('POST', '/api/v1/projects/acme/api/rules', {
      name: 'Every event',
      frequency: 5,
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: userId }],
    });
    const before = (await history()).data.length;
    const event = { message: 'Cache miss storm', level: 'warning' };
    const one = await ingest(event);
    await h.engine.queue.drain();
    await ingest(event);
    await h.engine.queue.drain();
    const after = await history(`?issue=${one.body.issueId}`);
    expect(after.data).toHaveLength(1);
    expect((await history()).data.length).toBe(before + 1);

    clock.advance(5 * 60_000);
    await ingest(event);
    await h.engine.queue.drain();
    expect((await history(`?issue=${one.body.issueId}`)).data).toHaveLength(2);
  });

  it('a rule muted for everyone does not fire; it fires again when the snooze ends', async () => {
    const muted = (await rule('Muted rule', { conditions: [{ id: 'every_event' }], frequency: 0 })).body.id;
    const until = new Date(clock.now() + 60 * 60_000).toISOString();
    const snooze = await h.request('POST', `/api/v1/projects/acme/api/rules/${muted}/snooze`, {
      target: 'everyone',
      until,
    });
    expect(snooze.status).toBeLessThan(300);
    await ingest({ message: 'Muted failure', level: 'error' });
    await h.engine.queue.drain();
    expect((await history(`?rule=${muted}`)).data).toHaveLength(0);
    clock.advance(60 * 60_000 + 1);
    await ingest({ message: 'Muted failure', level: 'error' });
    await h.engine.queue.drain();
    expect((await history(`?rule=${muted}`)).data).toHaveLength(1);
  });

  it('a person who snoozed a rule is not told, and the history says they snoozed it; another rule naming them still tells them', async () => {
    await newProject('muted');
    const only = (await rule('Muted for Ana', { frequency: 0 }, 'muted')).body.id;
    await h.request('POST', `/api/v1/projects/acme/muted/rules/${only}/snooze`, { target: 'me', userId });
    await h.request('POST', '/api/v1/projects/acme/muted/events', {
      message: 'Quiet failure',
      level: 'error',
    });
    await h.engine.queue.drain();
    const [muted] = (await history(`?rule=${only}`)).data;
    expect(muted.deliveries).toEqual([
      expect.objectContaining({
        recipient: { type: 'user', id: userId },
        status: 'suppressed',
        reason: 'snoozed',
      }),
    ]);

    const loud = (await rule('Also Ana', { frequency: 0 }, 'muted')).body.id;
    await h.request('POST', '/api/v1/projects/acme/muted/events', {
      message: 'Loud failure',
      level: 'error',
    });
    await h.engine.queue.drain();
    const [both] = (await history(`?rule=${loud}`)).data;
    expect([...both.ruleIds].sort()).toEqual([only, loud].sort());
    expect(both.deliveries).toHaveLength(1);
    // Decided on its own merits (this organization has no email integration: unroutable), not as snoozed.
    expect(both.deliveries[0]).toMatchObject({ recipient: { id: userId }, reason: 'unroutable' });
  });

  it('two workers evaluating events of one issue at once fire the rule once', async () => {
    const only = (await rule('Race', { conditions: [{ id: 'every_event' }], frequency: 60 })).body.id;
    await h.engine.queue.stop();
    const sent = await ingest({ message: 'Raced event', level: 'error' });
    await ingest({ message: 'Raced event', level: 'error' });
    const jobs = await h.engine.store.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'evaluate-event')
      .where('payload', 'like', `%${sent.body.issueId}%`)
      .execute();
    expect(jobs).toHaveLength(2);
    // Two workers with their own processors (as two processes would have) each run one event's job at
    // the same moment, and each run the first event's job again (as after an expired lease).
    const [a, b] = [worker(), worker()];
    const claimed = jobs.map((job) => ({
      id: job.id,
      kind: 'evaluate-event' as const,
      payload: JSON.parse(job.payload),
      attempts: 0,
      runAt: job.run_at,
    }));
    await Promise.all([a(claimed[0]!), b(claimed[1]!), b(claimed[0]!), a(claimed[1]!)]);
    const fired = await history(`?rule=${only}`);
    expect(fired.data).toHaveLength(1);
    expect(fired.data[0].issueId).toBe(sent.body.issueId);
    // Its delivery was written with it, once: no fan-out job between them.
    const deliveries = await h.engine.store.db
      .selectFrom('deliveries')
      .select(['recipient_id', 'channel'])
      .where('notification_id', '=', fired.data[0].id)
      .execute();
    expect(deliveries).toEqual([{ recipient_id: userId, channel: 'email' }]);
    expect(await jobsNamed(`fanout_${fired.data[0].id}`)).toHaveLength(0);
    const states = await h.engine.store.db
      .selectFrom('rule_fire_state')
      .selectAll()
      .where('rule_id', '=', only)
      .execute();
    expect(states).toHaveLength(1);
  });

  /**
   * An evaluation worker of its own (as another process would have), with the fan-out written in its
   * transaction. Its parts may be wrapped: the processor's `claim` to make it lose rules to a concurrent
   * evaluation, the notification store to watch or fail its writes, the fan-out to hold its plans.
   */
  function worker(
    options: {
      processor?: (processor: RuleProcessor) => RuleProcessor;
      events?: StoredEvents;
      notifications?: (store: NotificationStore) => NotificationStore;
      fanOut?: (stage: FanOut) => FanOut;
    } = {},
  ) {
    const db = h.engine.store.db;
    const events = options.events ?? storedEvents(db);
    const notifications = (options.notifications ?? ((store) => store))(notificationStore({ db, clock }));
    const references = referenceCache(db);
    const stage = fanOut({
      db,
      clock,
      logger: h.engine.logger,
      notifications,
      recipients: h.engine.services.recipients,
      decisions: preferenceDecisions(db),
      events,
      references,
      onJobsCommitted: () => undefined,
    });
    return issueAlerts({
      db,
      clock,
      logger: h.engine.logger,
      processor: (options.processor ?? ((p) => p))(
        ruleProcessor({ db, clock, rules: h.engine.services.rules }),
      ),
      frequency: frequencyStore(db),
      notifications,
      events,
      latestRelease: async () => null,
      references,
      publicUrl: () => h.url,
      onJobsCommitted: () => undefined,
      fanOut: (options.fanOut ?? ((f) => f))(stage),
    });
  }
  const jobsNamed = (id: string) =>
    h.engine.store.db.selectFrom('jobs').selectAll().where('id', '=', id).execute();

  /** The `evaluate-event` job ingest wrote for an event of the issue (with the queue stopped), as a worker gets it. */
  async function evaluationJob(issueId: string): Promise<Job> {
    const row = await h.engine.store.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'evaluate-event')
      .where('payload', 'like', `%${issueId}%`)
      .executeTakeFirstOrThrow();
    return {
      id: row.id,
      kind: 'evaluate-event',
      payload: JSON.parse(row.payload),
      attempts: 0,
      runAt: row.run_at,
    };
  }

  /** A store of kept events that lists the loads and releases made through it. */
  function listedEvents(): { events: StoredEvents; calls: string[] } {
    const kept = storedEvents(h.engine.store.db);
    const calls: string[] = [];
    const events: StoredEvents = {
      load: (id) => {
        calls.push(`load ${id}`);
        return kept.load(id);
      },
      keep: kept.keep,
      forget: (id) => {
        calls.push(`forget ${id}`);
        kept.forget(id);
      },
    };
    return { events, calls };
  }

  it('an evaluation lets go of its kept event once it and its fan-out have read it', async () => {
    await rule('Every event', { conditions: [{ id: 'every_event' }] });
    await h.engine.queue.stop();
    const sent = await ingest({ message: 'Kept until evaluated', level: 'error' });
    const job = await evaluationJob(sent.body.issueId);
    const { events, calls } = listedEvents();
    // The project's rules are read once: matching is given those the evaluation read first.
    const reads: string[] = [];
    const reading = (processor: RuleProcessor): RuleProcessor => ({
      ...processor,
      rules: (projectId) => {
        reads.push('rules');
        return processor.rules(projectId);
      },
      matching: (input, rules) => {
        reads.push(rules ? 'matching (given)' : 'matching (reads)');
        return processor.matching(input, rules);
      },
    });
    await worker({ processor: reading, events })(job);
    expect(reads).toEqual(['rules', 'matching (given)']);
    const eventId = String(job.payload.eventId);
    expect(calls).toEqual([`load ${eventId}`, `load ${eventId}`, `forget ${eventId}`]);
    expect(await history(`?issue=${sent.body.issueId}`)).toMatchObject({ data: [{ type: 'issue_alert' }] });
    await h.engine.store.db.deleteFrom('jobs').where('id', '=', job.id).execute();
    h.engine.queue.start();
  });

  it('an event of a project without rules is let go unread; a regression there still tells its subscribers', async () => {
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug: 'quiet' });
    const quiet = (body: Record<string, unknown>) =>
      h.request('POST', '/api/v1/projects/acme/quiet/events', body);
    await h.engine.queue.stop();
    const sent = await quiet({ message: 'Nobody listens', level: 'error' });
    expect(sent.status).toBe(202);
    const job = await evaluationJob(sent.body.issueId);
    const { events, calls } = listedEvents();
    await worker({ events })(job);
    const eventId = String(job.payload.eventId);
    expect(calls).toEqual([`forget ${eventId}`]);
    await h.engine.store.db.deleteFrom('jobs').where('id', '=', job.id).execute();

    // Resolved, then seen again: the regression is evaluated in full and writes its workflow job.
    const patched = await h.request('PATCH', `/api/v1/issues/${sent.body.issueId}`, { status: 'resolved' });
    expect(patched.status).toBe(200);
    const again = await quiet({ message: 'Nobody listens', level: 'error' });
    expect(again.body.isRegression).toBe(true);
    const regression = await evaluationJob(again.body.issueId);
    calls.length = 0;
    await worker({ events })(regression);
    expect(calls[0]).toBe(`load ${regression.payload.eventId}`);
    expect(await jobsNamed(`workflow_regression_${regression.payload.eventId}`)).toHaveLength(1);
    await h.engine.store.db.deleteFrom('jobs').where('id', '=', regression.id).execute();
    h.engine.queue.start();
  });

  it('rules lost to a concurrent evaluation leave the others to a fan-out job of their own', async () => {
    const kept = (await rule('Kept', { conditions: [{ id: 'every_event' }], frequency: 60 })).body.id;
    const lost = (await rule('Lost', { conditions: [{ id: 'every_event' }], frequency: 60 })).body.id;
    await h.engine.queue.stop();
    const sent = await ingest({ message: 'Half-raced event', level: 'error' });
    const job = await evaluationJob(sent.body.issueId);
    // `Lost` matches, but another evaluation claims its action interval first.
    const run = worker({
      processor: (p) => ({
        ...p,
        claim: (trx, issueId, rules, lastFired) =>
          p.claim(
            trx,
            issueId,
            rules.filter((r) => r.id !== lost),
            lastFired,
          ),
      }),
    });
    await run(job);
    const fired = await history(`?rule=${kept}`);
    expect(fired.data).toHaveLength(1);
    // Rules of the earlier cases fire on every event too: all but `Lost` are named.
    const named: string[] = fired.data[0].ruleIds;
    expect(named).toContain(kept);
    expect(named).not.toContain(lost);
    const notificationId = fired.data[0].id;
    const fanOutJob = await jobsNamed(`fanout_${notificationId}`);
    expect(fanOutJob).toHaveLength(1);
    expect(JSON.parse(fanOutJob[0]!.payload).rules.map((r: { id: string }) => r.id)).toEqual(named);
    const deliveries = () =>
      h.engine.store.db
        .selectFrom('deliveries')
        .select('channel')
        .where('notification_id', '=', notificationId)
        .execute();
    expect(await deliveries()).toHaveLength(0);
    await h.engine.store.db.deleteFrom('jobs').where('id', '=', job.id).execute();
    h.engine.queue.start();
    await h.engine.queue.drain();
    expect(await deliveries()).toEqual([{ channel: 'email' }]);
  });
  /**
   * A project whose one rule sends every event to a member, and the evaluation jobs of a batch of
   * `count` new events ingested into it while the queue is stopped (as a worker gets them).
   */
  async function batchEvaluations(slug: string, count: number): Promise<{ projectId: string; jobs: Job[] }> {
    await h.request('POST', '/api/v1/orgs/acme/projects', { slug });
    const created = await h.request('POST', `/api/v1/projects/acme/${slug}/rules`, {
      name: 'Every event of the batch',
      frequency: 0,
      conditions: [{ id: 'every_event' }],
      actions: [{ id: 'notify_email', targetType: 'Member', targetIdentifier: userId }],
    });
    expect(created.status, created.text).toBe(201);
    await h.engine.queue.stop();
    const sent = await h.request('POST', `/api/v1/projects/acme/${slug}/events/batch`, {
      events: Array.from({ length: count }, (_, i) => ({ message: `Batch failure ${i}`, level: 'error' })),
    });
    expect(sent.status, sent.text).toBe(202);
    const { id: projectId } = await h.engine.store.db
      .selectFrom('projects')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow();
    const rows = await h.engine.store.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'evaluate-event')
      .where('payload', 'like', `%${projectId}%`)
      .execute();
    expect(rows).toHaveLength(count);
    const jobs = rows.map(
      (row): Job => ({
        id: row.id,
        kind: 'evaluate-event',
        payload: JSON.parse(row.payload),
        attempts: 0,
        runAt: row.run_at,
      }),
    );
    return { projectId, jobs };
  }

  /** Removes the evaluation jobs a test ran by hand, and starts the queue again. */
  async function letGo(jobs: readonly Job[]): Promise<void> {
    await h.engine.store.db
      .deleteFrom('jobs')
      .where(
        'id',
        'in',
        jobs.map((job) => job.id),
      )
      .execute();
    h.engine.queue.start();
  }

  /** A notification store that lists how many notifications each of its writes carried. */
  const listingWrites =
    (writes: number[], fail?: (eventIds: (string | null)[]) => boolean) =>
    (store: NotificationStore): NotificationStore => ({
      ...store,
      createMany: (db, inputs) => {
        writes.push(inputs.length);
        if (fail?.(inputs.map((input) => input.eventId))) throw new Error('refused by the test');
        return store.createMany(db, inputs);
      },
    });

  /**
   * A fan-out whose plans are answered only once `count` of them are made, all at once (and so on for
   * the next `count`): the evaluations
   * then reach their transaction in one turn whatever their reads took (on PostgreSQL each read answers
   * in a turn of its own).
   */
  const heldUntil =
    (count: number) =>
    (stage: FanOut): FanOut => {
      const held: (() => void)[] = [];
      return {
        ...stage,
        plan: async (notification, job) => {
          const planned = await stage.plan(notification, job);
          await new Promise<void>((resolve) => {
            held.push(resolve);
            if (held.length === count) for (const release of held.splice(0)) release();
          });
          return planned;
        },
      };
    };

  const firingsOf = async (projectId: string) =>
    h.engine.store.db
      .selectFrom('notifications')
      .innerJoin('deliveries', 'deliveries.notification_id', 'notifications.id')
      .select(['notifications.event_id', 'deliveries.recipient_id', 'deliveries.channel'])
      .where('notifications.project_id', '=', projectId)
      .execute();

  it('events evaluated together write their notifications and deliveries together, each event its own', async () => {
    const { projectId, jobs } = await batchEvaluations('batches', 5);
    const writes: number[] = [];
    const run = worker({ notifications: listingWrites(writes), fanOut: heldUntil(jobs.length) });
    await Promise.all(jobs.map((job) => run(job)));
    // One write for the five notifications, not one each.
    expect(writes).toEqual([5]);
    const firings = await firingsOf(projectId);
    expect(firings.map((f) => f.event_id).sort()).toEqual(
      jobs.map((job) => String(job.payload.eventId)).sort(),
    );
    expect(firings.every((f) => f.recipient_id === userId && f.channel === 'email')).toBe(true);

    // Evaluated again (as after an expired lease), together: nothing is written twice.
    await Promise.all(jobs.map((job) => run(job)));
    expect(await firingsOf(projectId)).toHaveLength(5);
    await letGo(jobs);
  });

  it('a firing whose write fails fails its own evaluation only: the others of its batch are written', async () => {
    const { projectId, jobs } = await batchEvaluations('poisoned', 4);
    const poisoned = String(jobs[2]!.payload.eventId);
    const writes: number[] = [];
    const run = worker({
      notifications: listingWrites(writes, (ids) => ids.includes(poisoned)),
      fanOut: heldUntil(jobs.length),
    });
    const results = await Promise.allSettled(jobs.map((job) => run(job)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ message: 'refused by the test' });
    // The batch's write failed, then each firing was written alone.
    expect(writes).toEqual([4, 1, 1, 1, 1]);
    const written = (await firingsOf(projectId)).map((f) => f.event_id);
    expect(written.sort()).toEqual(
      jobs
        .map((job) => String(job.payload.eventId))
        .filter((id) => id !== poisoned)
        .sort(),
    );
    await letGo(jobs);
  });
});
