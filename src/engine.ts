import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { type ApiApp, buildApi } from './api/server.js';
import { type Clock, systemClock } from './clock.js';
import { type HeraldConfig, publicBaseUrl } from './config.js';
import { eventProjects } from './events/event-projects.js';
import { frequencyStore } from './events/frequency-store.js';
import { ingestService } from './events/ingest.js';
import { issuesService } from './events/issues.js';
import { createLogger } from './logger.js';
import { notificationHistory } from './notifications/history.js';
import { issueAlerts } from './notifications/issue-alerts.js';
import { notificationStore } from './notifications/notification-store.js';
import { peopleServices } from './people/people-services.js';
import type { Queue } from './queue/queue.js';
import { sqlQueue } from './queue/sql-queue.js';
import { rulePreview } from './rules/rule-preview.js';
import { ruleProcessor } from './rules/rule-processor.js';
import { ruleSnoozes } from './rules/rule-snoozes.js';
import { ruleStore } from './rules/rule-store.js';
import { loadSecretKey } from './security/keys.js';
import { secretBox } from './security/secret-box.js';
import type { Services } from './services.js';
import { openStore, type Store } from './store/store.js';
import { templateService } from './templates/template-service.js';
import { apiKeys } from './tenancy/api-keys.js';
import type { TenancyDeps } from './tenancy/context.js';
import { integrations } from './tenancy/integrations.js';
import { members } from './tenancy/members.js';
import { organizations } from './tenancy/organizations.js';
import { projects } from './tenancy/projects.js';
import { checkTarget } from './tenancy/target-check.js';
import { teams } from './tenancy/teams.js';

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
  /** The admin token generated on this first start, or null. */
  readonly generatedAdminToken: string | null;
  /** Starts listening (role api/all) and the workers (role worker/all); returns the base URL. */
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

  const secret = loadSecretKey(config.secretKey, config.dataDir);
  if (secret.generated)
    logger.info({ dataDir: config.dataDir }, 'generated a secret key into the data folder');
  let boundPort: number | undefined;
  const deps: TenancyDeps = {
    db: store.db,
    clock,
    secrets: secretBox(secret.key),
    publicUrl: () => publicBaseUrl(config, boundPort),
  };

  const keys = apiKeys({ ...deps, configuredAdminToken: config.adminToken });
  const queue = options.queue ?? sqlQueue({ db: store.db, clock, logger });
  const services: Services = {
    organizations: organizations(deps),
    members: members(deps),
    teams: teams(deps),
    projects: projects(deps),
    integrations: integrations({ ...deps, checkTarget: checkTarget(config.allowPrivateTargets) }),
    apiKeys: keys,
    ...peopleServices({ db: store.db, clock, secretKey: secret.key }),
    history: notificationHistory(store.db),
    ingest: ingestService({
      db: store.db,
      dialect: store.dialect,
      clock,
      onJobsCommitted: (ids) => queue.notify(ids),
    }),
    eventProjects: eventProjects(store.db),
    issues: issuesService({ db: store.db, clock }),
    rules: ruleStore({ db: store.db, clock, logger }),
    ruleSnoozes: ruleSnoozes({ db: store.db, clock }),
    rulePreview: rulePreview({ db: store.db, clock }),
    templates: templateService({ db: store.db, clock, publicUrl: deps.publicUrl }),
  };
  const generatedAdminToken = config.role === 'worker' ? null : await keys.ensureAdminToken();

  // The pipeline: ingest → rules → notifications → (fan-out) → delivery, each a queued job.
  const notifications = notificationStore({ db: store.db, clock });
  queue.handle(
    'evaluate-event',
    issueAlerts({
      db: store.db,
      clock,
      logger,
      processor: ruleProcessor({ db: store.db, clock, rules: services.rules, snoozes: services.ruleSnoozes }),
      frequency: frequencyStore(store.db),
      notifications,
      latestRelease: async () => null,
      publicUrl: deps.publicUrl,
      onJobsCommitted: (ids) => queue.notify(ids),
    }),
  );

  const api = await buildApi({
    store,
    services,
    logger,
    clock,
    bodyLimit: config.bodyLimit,
    version: VERSION,
  });

  return {
    config,
    store,
    services,
    logger,
    clock,
    api,
    queue,
    generatedAdminToken,
    async start() {
      if (config.role !== 'api') queue.start();
      if (config.role === 'worker') return '';
      await api.listen({ host: config.host, port: config.port });
      boundPort = (api.server.address() as AddressInfo).port;
      return publicBaseUrl(config, boundPort);
    },
    async stop() {
      await api.close();
      await queue.stop();
      if (!options.store) await store.close();
    },
  };
}
