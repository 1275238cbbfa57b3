import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { analyticsServices } from './analytics/analytics-services.js';
import { countedNotifications } from './analytics/delivery-observer.js';
import { instrumentedIngest, tracedChannels, tracedHandler } from './analytics/tracing.js';
import { type ApiApp, buildApi, buildOperationsApi } from './api/server.js';
import { type Clock, systemClock } from './clock.js';
import { DEFAULT_PORT, type HeraldConfig, publicBaseUrl } from './config.js';
import type { Channel, ChannelKind } from './delivery/channel.js';
import { channelStateStore } from './delivery/channel-state-store.js';
import { slackInteractions } from './delivery/channels/slack/slack-interactions.js';
import { circuitBreaker } from './delivery/circuit-breaker.js';
import { claimedDeliveries } from './delivery/claimed-deliveries.js';
import { deadLetters } from './delivery/dead-letters.js';
import { deliverer } from './delivery/deliver.js';
import { buildChannels, channelFactories, closeChannels } from './delivery/registry.js';
import { testSender } from './delivery/test-send.js';
import { threadedHttpClient } from './delivery/threaded-http-client.js';
import { alertEnds } from './events/alert-ends.js';
import { eventProjects } from './events/event-projects.js';
import { storedEvents } from './events/event-records.js';
import { frequencyStore } from './events/frequency-store.js';
import { ingestService } from './events/ingest.js';
import { ingestGate } from './events/ingest-limit.js';
import { issuesService } from './events/issues.js';
import { inboxServices } from './inbox/inbox-services.js';
import { createLogger } from './logger.js';
import { deployNotifications } from './notifications/deploys.js';
import { fanOut } from './notifications/fan-out.js';
import { notificationHistory } from './notifications/history.js';
import { issueAlerts } from './notifications/issue-alerts.js';
import { notificationStore } from './notifications/notification-store.js';
import { systemNotifications } from './notifications/system-notifications.js';
import { workflowNotifications } from './notifications/workflow.js';
import { peopleServices } from './people/people-services.js';
import type { DeployInfo } from './people/releases.js';
import { signInLinks } from './people/sign-in-links.js';
import { preferenceDecisions } from './preferences/decisions.js';
import { pushDeliveryHooks } from './push/push-subscriptions.js';
import { recoverOnStart } from './queue/embedded-recovery.js';
import type { Queue } from './queue/queue.js';
import { redisDoorbell } from './queue/redis-doorbell.js';
import { sqlQueue, vacuumJobs } from './queue/sql-queue.js';
import { inhibitRules } from './rules/inhibit-rules.js';
import { rulePreview } from './rules/rule-preview.js';
import { ruleProcessor } from './rules/rule-processor.js';
import { ruleSnoozes } from './rules/rule-snoozes.js';
import { ruleStore } from './rules/rule-store.js';
import { silences } from './rules/silences.js';
import { installationKey } from './security/key-check.js';
import type { Services } from './services.js';
import { pingRedis, redisConnection } from './store/redis-connection.js';
import { openStore, type Store } from './store/store.js';
import { templateService } from './templates/template-service.js';
import { apiKeys } from './tenancy/api-keys.js';
import type { TenancyDeps } from './tenancy/context.js';
import { integrations } from './tenancy/integrations.js';
import { members } from './tenancy/members.js';
import { orgSignal } from './tenancy/org-signal.js';
import { organizations } from './tenancy/organizations.js';
import { projectPurge } from './tenancy/project-deletion.js';
import { projects } from './tenancy/projects.js';
import { referenceCache } from './tenancy/reference-cache.js';
import { checkTarget } from './tenancy/target-check.js';
import { teams } from './tenancy/teams.js';
import { deferredRelease } from './throttle/deferred-release.js';
import { digestBuilder } from './throttle/digest-builder.js';
import { decideHeldOnChange } from './throttle/held-on-change.js';
import { redisLimiter } from './throttle/redis-limiter.js';
import { sqlLimiter } from './throttle/sql-limiter.js';
import { throttleSettings } from './throttle/throttle-settings.js';
import { throttleStage } from './throttle/throttle-stage.js';

/** Version reported by the API. */
export const VERSION = '0.1.0';

/** Things the composition root may be given instead of building them (tests, embedding). */
export interface EngineOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** An already opened store (tests share one per suite). */
  readonly store?: Store;
  /** SQLite file instead of `<dataDir>/herald.db` (`:memory:` in tests). */
  readonly sqliteFile?: string;
  /** The job queue; default the database's job table. */
  readonly queue?: Queue;
}

/** A running or runnable Herald: the store, the services, the API. */
export interface Engine {
  readonly config: HeraldConfig;
  readonly store: Store;
  readonly services: Services;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly api: ApiApp;
  readonly queue: Queue;
  /**
   * Every delivery channel by kind, in-app included, sharing one outbound HTTP client: what the delivery
   * stage sends through (push targets come from `services.pushSubscriptions.pushTargets`).
   */
  readonly channels: ReadonlyMap<ChannelKind, Channel>;
  /** The admin token generated on this first start, or null. */
  readonly generatedAdminToken: string | null;
  /**
   * Starts listening (role api/all, and a worker given a port, for its operations routes) and the workers
   * (role worker/all); returns the base URL it listens on, '' when it does not.
   */
  start(): Promise<string>;
  /** Stops accepting work, finishes what runs, closes the database. */
  stop(): Promise<void>;
}

/** The composition root: builds every stage from the configuration and wires them. */
export async function createEngine(config: HeraldConfig, options: EngineOptions = {}): Promise<Engine> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const store =
    options.store ??
    openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      ...(options.sqliteFile ? { sqliteFile: options.sqliteFile } : {}),
    });
  await store.migrate();

  const secret = await installationKey(store.db, config.secretKey, config.dataDir);
  if (secret.generated)
    logger.info({ dataDir: config.dataDir }, 'generated a secret key into the data folder');
  let boundPort: number | undefined;
  // Organizations, projects and integrations as every event reads them: kept a moment, forgotten when
  // this process writes them.
  const references = referenceCache(store.db);
  const deps: TenancyDeps = {
    db: store.db,
    clock,
    secrets: secret.box,
    publicUrl: () => publicBaseUrl(config, boundPort),
  };

  const keys = apiKeys({ ...deps, configuredAdminToken: config.adminToken });
  // Stages that keep an organization's template overrides for a moment, told when this process changes one.
  const templatesChanged = orgSignal();
  const membersChanged = orgSignal();
  const analytics = analyticsServices({
    db: store.db,
    clock,
    logger,
    secretKey: secret.key,
    publicUrl: deps.publicUrl,
    retentionDays: config.retentionDays,
  });
  const queue =
    options.queue ??
    sqlQueue({
      db: store.db,
      clock,
      logger,
      concurrency: config.workerConcurrency,
      // Several processes share PostgreSQL: a worker that dies leaves its jobs to the others after
      // this long (leases are renewed while jobs run). On SQLite the one process takes its own back at
      // start.
      ...(store.dialect === 'postgres' ? { leaseMs: 15_000, vacuum: () => vacuumJobs(store.db) } : {}),
      ...(config.redisUrl
        ? {
            doorbell: redisDoorbell({ redisUrl: config.redisUrl, prefix: config.redisPrefix, logger, clock }),
          }
        : {}),
    });
  const onJobsCommitted = (ids: string[]) => queue.notify(ids);
  // A steady stream of events leaves most slots free, and its COMMITs gain by waiting a moment for more
  // work; once the slots are mostly taken (a burst, a replay), the jobs themselves wait for each COMMIT.
  store.holdCommitsWhile?.(() => queue.saturation() < 1 / 3);
  // An event's later stages run in the slot of its evaluation (both queues offer it); API processes run none.
  const handoff = config.role === 'api' ? undefined : queue.handoff;
  // Stored events read back by the evaluation and fan-out stages; ingest keeps the ones it just stored.
  const events = storedEvents(store.db, clock);
  const notifications = countedNotifications(notificationStore({ db: store.db, clock }), analytics.metrics);
  const system = systemNotifications({
    db: store.db,
    clock,
    notifications,
    publicUrl: deps.publicUrl,
    onJobsCommitted,
  });
  const inboxStage = await inboxServices({
    store,
    databaseUrl: config.databaseUrl,
    clock,
    logger,
    secrets: deps.secrets,
    publicUrl: deps.publicUrl,
    checkTarget: checkTarget(config.allowPrivateTargets),
    // An in-app read is the inbox's "opened": the delivery's status and the analytics follow it.
    onRead: async (deliveryIds) => {
      for (const id of deliveryIds) await analytics.engagement.record(id, 'open');
    },
  });
  const http = threadedHttpClient({ allowPrivateTargets: config.allowPrivateTargets });
  // The process's Redis connection for commands: the shared limits, and the PING of `/readyz`. A Redis
  // that does not answer at start does not stop it: the process reports itself unready and logs why,
  // and becomes ready when Redis answers (jobs are found by polling meanwhile).
  const redis = config.redisUrl
    ? redisConnection({
        url: config.redisUrl,
        name: 'limits',
        logger,
        clock,
        options: { maxRetriesPerRequest: 3 },
      })
    : null;
  // Limits live with the counters of the profile: Redis in a cluster, else the database. Ingest's
  // per-project limits too, so every API process of a cluster shares a project's bucket.
  const limiter = redis ? redisLimiter({ client: redis, prefix: config.redisPrefix }) : sqlLimiter();
  // The projects ingest finds, kept a moment: a deletion through this process forgets its project at once.
  const ingestProjects = eventProjects(store.db);
  // The projects' inhibit rules and firing sources, kept a moment: an issue resolved (or ignored) through
  // this process stops inhibiting at once.
  const inhibitions = inhibitRules({ db: store.db, clock, logger });
  const channels = tracedChannels(
    buildChannels(
      { http, vapid: inboxStage.vapid, publicUrl: deps.publicUrl },
      { ...channelFactories, inapp: () => inboxStage.inapp },
    ),
  );
  const services: Services = {
    organizations: organizations({ ...deps, references }),
    members: members({ ...deps, onMemberRemoved: membersChanged.emit }),
    // A team's settings apply to its members: joining or leaving one decides again what waits for them.
    teams: teams({ ...deps, heldOnChange: decideHeldOnChange, onJobsCommitted }),
    projects: projects({
      ...deps,
      references,
      onChanged: (projectId) => ingestProjects.forget(projectId),
      onJobsCommitted,
    }),
    integrations: integrations({
      ...deps,
      checkTarget: checkTarget(config.allowPrivateTargets),
      references,
    }),
    throttle: throttleSettings({ db: store.db, clock, references }),
    apiKeys: keys,
    ...peopleServices({
      db: store.db,
      clock,
      secretKey: secret.key,
      // A change of settings decides again at once what waits for the people it applies to.
      heldOnChange: decideHeldOnChange,
      onJobsCommitted,
    }),
    history: notificationHistory(store.db),
    analytics,
    deadLetters: deadLetters({ db: store.db, clock, onJobsCommitted }),
    ingest: instrumentedIngest(
      ingestService({
        db: store.db,
        dialect: store.dialect,
        clock,
        onJobsCommitted: (ids) => queue.notify(ids),
        gate: ingestGate({ limiter, db: store.db, clock }),
        ...(handoff ? { handoff, events } : {}),
      }),
      analytics.metrics,
    ),
    eventProjects: ingestProjects,
    issues: issuesService({
      db: store.db,
      clock,
      onJobsCommitted,
      onSettled: (projectId, issueId) => inhibitions.settled(projectId, issueId),
    }),
    alertEnds: alertEnds({
      db: store.db,
      dialect: store.dialect,
      clock,
      logger,
      resolveTimeoutMs: config.alertResolveTimeoutMs,
      onJobsCommitted,
      onSettled: (projectId, issueId) => inhibitions.settled(projectId, issueId),
    }),
    rules: ruleStore({ db: store.db, clock, logger, onRuleSaved: (event) => system.ruleSaved(event) }),
    ruleSnoozes: ruleSnoozes({ db: store.db, clock }),
    rulePreview: rulePreview({ db: store.db, clock }),
    silences: silences({ db: store.db, clock, logger }),
    inhibitRules: inhibitions,
    templates: templateService({
      db: store.db,
      clock,
      publicUrl: deps.publicUrl,
      onChanged: templatesChanged.emit,
    }),
    ...inboxStage.services,
    integrationTests: testSender({ channels, clock, logger, publicUrl: deps.publicUrl }),
    signInLinks: signInLinks({
      db: store.db,
      clock,
      logger,
      // Shared by every API process of a cluster, so the cap on an address holds whichever one answers.
      limiter,
      email: channels.get('email'),
      publicUrl: deps.publicUrl,
      createToken: async (userId) =>
        (await services.userTokens.create({ kind: 'admin' }, userId, 'email sign-in')).token,
      emailIntegration: async (userId) => {
        const found = await store.db
          .selectFrom('integrations')
          .innerJoin('members', 'members.org_id', 'integrations.org_id')
          .select(['integrations.id', 'integrations.org_id'])
          .where('members.user_id', '=', userId)
          .where('integrations.provider', '=', 'email')
          .where('integrations.status', '=', 'active')
          .orderBy('integrations.created_at')
          .executeTakeFirst();
        return found ? services.integrations.getWithSecrets(found.org_id, found.id) : null;
      },
    }),
    slackInteractions: slackInteractions({
      db: store.db,
      clock,
      logger,
      http,
      integration: (orgId, id) => services.integrations.getWithSecrets(orgId, id),
      // The same call as `PATCH /api/v1/issues/{id}`: its workflow notifications follow.
      updateIssue: (principal, issueId, patch) => services.issues.update(principal, issueId, patch),
      recordAction: (deliveryId) => analytics.engagement.record(deliveryId, 'action'),
    }),
  };
  const generatedAdminToken = config.role === 'worker' ? null : await keys.ensureAdminToken();

  const onDeploy = deployNotifications({
    db: store.db,
    clock,
    notifications,
    recipients: services.recipients,
    publicUrl: deps.publicUrl,
    onJobsCommitted,
  });
  // Written with the deploy (people/releases.ts): raising its notification twice raises one.
  queue.handle('deploy', (job) => onDeploy(job.payload as unknown as DeployInfo));
  queue.handle(
    'workflow',
    workflowNotifications({
      db: store.db,
      clock,
      logger,
      notifications,
      recipients: services.recipients,
      publicUrl: deps.publicUrl,
      onJobsCommitted,
    }),
  );
  // A notification's first delivery, handed from the fan-out to the delivery stage already claimed.
  const claimed = claimedDeliveries();
  const throttle = throttleStage({ limiter, settings: services.throttle });
  const decisions = preferenceDecisions(store.db);
  // What was held (a digest, quiet hours) is decided again with the person's settings when it is sent.
  const release = deferredRelease({
    db: store.db,
    clock,
    decisions,
    limiter,
    settings: services.throttle,
    onJobsCommitted,
    onReleased: analytics.observer.decided,
  });
  queue.handle(
    'digest',
    digestBuilder({
      db: store.db,
      clock,
      logger,
      notifications,
      publicUrl: deps.publicUrl,
      decisions,
      release: release.releaseIn,
      onJobsCommitted,
    }),
  );
  const fanout = fanOut({
    db: store.db,
    clock,
    logger,
    notifications,
    recipients: services.recipients,
    decisions,
    events,
    references,
    onDeliveries: analytics.observer.decided,
    throttle,
    onJobsCommitted,
    ...(handoff ? { handoff, claimed } : {}),
  });
  queue.handle('notify', fanout.notify);
  queue.handle('purge-project', projectPurge({ db: store.db, clock, logger }));
  // The pipeline: ingest → rules → notifications → fan-out (recipients, preferences) → delivery, each a
  // queued job written in the transaction of the rows it acts on (an issue alert's fan-out is written
  // with its notification).
  queue.handle(
    'evaluate-event',
    tracedHandler(
      'herald.evaluate',
      issueAlerts({
        db: store.db,
        clock,
        logger,
        processor: ruleProcessor({
          db: store.db,
          clock,
          rules: services.rules,
        }),
        frequency: frequencyStore(store.db),
        silences: services.silences,
        onSilenced: (ids) => {
          analytics.metrics.eventsSilenced.inc();
          services.silences.countMuted(ids);
        },
        inhibitions: services.inhibitRules,
        onInhibited: (ids) => {
          analytics.metrics.eventsInhibited.inc();
          services.inhibitRules.countMuted(ids);
        },
        notifications,
        events,
        latestRelease: async (projectId) =>
          (await services.releases.latestRelease(projectId))?.version ?? null,
        references,
        publicUrl: deps.publicUrl,
        onJobsCommitted,
        fanOut: fanout,
        ...(handoff ? { handoff } : {}),
      }),
    ),
  );
  queue.handle(
    'deliver',
    deliverer({
      db: store.db,
      clock,
      logger,
      channels,
      state: channelStateStore(store.db, clock),
      breaker: circuitBreaker(clock),
      maxAttempts: async (orgId) => (await services.throttle.retries(orgId)).maxAttempts,
      publicUrl: deps.publicUrl,
      integration: (orgId, id) => services.integrations.getWithSecrets(orgId, id),
      override: (orgId, type, channel) => services.templates.find(orgId, type, channel),
      unsubscribeUrl: (payload) =>
        services.unsubscribe.unsubscribeUrl(deps.publicUrl(), { ...payload, issuedAt: clock.now() }),
      onIntegrationDisabled: (orgId, id, reason) => {
        references.forgetIntegrations(orgId);
        return system.integrationDisabled(orgId, id, reason);
      },
      ...pushDeliveryHooks(services.pushSubscriptions),
      trackLinks: analytics.tracker,
      onFinished: analytics.observer.finished,
      onJobsCommitted,
      recentNotification: (id) => notifications.recent(id),
      claimed,
      releaseDeferred: release.release,
      decisions,
      throttle,
      onIntegrationsChanged: references.onIntegrationsForgotten,
      onTemplatesChanged: templatesChanged.subscribe,
      onMembersChanged: membersChanged.subscribe,
    }),
  );

  const redisReady = redis ? () => pingRedis(redis) : undefined;
  // A worker serves no API: its listener (when given a port) answers probes and scrapes.
  const api =
    config.role === 'worker'
      ? await buildOperationsApi({ store, services, logger, clock, ...(redisReady ? { redisReady } : {}) })
      : await buildApi({
          store,
          services,
          logger,
          clock,
          secrets: deps.secrets,
          slowTransactionMs: config.slowTransactionMs,
          bodyLimit: config.bodyLimit,
          version: VERSION,
          ...(redisReady ? { redisReady } : {}),
        });

  return {
    config,
    store,
    services,
    logger,
    clock,
    api,
    queue,
    channels,
    generatedAdminToken,
    async start() {
      // Work a killed process left claimed on this SQLite file is taken back now, not when its leases end.
      if (config.role !== 'api' && store.dialect === 'sqlite')
        await recoverOnStart(store.db, clock.now(), logger);
      if (config.role !== 'api') queue.start();
      if (config.role !== 'api') analytics.retention.start();
      if (config.role !== 'api') services.alertEnds.start();
      if (config.role === 'worker' && config.port === null) return '';
      await api.listen({ host: config.host, port: config.port ?? DEFAULT_PORT });
      const port = (api.server.address() as AddressInfo).port;
      // Where a worker's operations routes answer; its links are not made from this address.
      if (config.role === 'worker') return publicBaseUrl({ ...config, publicUrl: null }, port);
      boundPort = port;
      return publicBaseUrl(config, boundPort);
    },
    async stop() {
      await api.close();
      // Sign-in links are mailed after their answer: the ones under way finish (or give up after their
      // 30 s) before the channels and the database they use close.
      await services.signInLinks.settled();
      // A sweep under way commits its resolutions (and their jobs) before the workers stop.
      await services.alertEnds.stop();
      await queue.stop();
      // What the stopped evaluations muted, counted in memory since the last flush.
      await Promise.all([services.silences.flushMuted(), services.inhibitRules.flushMuted()]);
      await analytics.retention.stop();
      await limiter.close?.();
      // Nothing runs on the connection once the workers stopped; a Redis that is down has nothing to hear.
      if (redis?.status === 'ready') await redis.quit();
      else redis?.disconnect();
      await closeChannels(channels);
      http.close();
      await inboxStage.close();
      if (!options.store) await store.close();
    },
  };
}
