import { Command, InvalidArgumentError, Option } from 'commander';
import { systemClock } from '../clock.js';
import { type ConfigFlags, loadConfig, ROLES } from '../config.js';
import { createEngine, VERSION } from '../engine.js';
import { HeraldError } from '../errors.js';
import { createLogger } from '../logger.js';
import { installationKey } from '../security/key-check.js';
import { openStore } from '../store/store.js';
import { apiKeys } from '../tenancy/api-keys.js';

const program = new Command()
  .name('herald')
  .description('Herald: a self-hosted notification engine for software monitoring.')
  .version(VERSION)
  .showHelpAfterError();

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return value;
};

const common = (command: Command) =>
  command
    .option(
      '--data-dir <dir>',
      'folder for the SQLite database and generated keys (HERALD_DATA_DIR, default ./data)',
    )
    .option('--database-url <url>', 'postgres:// URL; unset means SQLite (HERALD_DATABASE_URL)')
    .option(
      '--log-level <level>',
      'fatal|error|warn|info|debug|trace|silent (HERALD_LOG_LEVEL, default info)',
    );

common(
  program
    .command('serve')
    .description('run the API and the delivery workers')
    .option('--host <host>', 'interface to listen on (HERALD_HOST, default 127.0.0.1)')
    .option(
      '-p, --port <port>',
      'port to listen on, 0 for any free port (HERALD_PORT, default 8080); a worker listens only when ' +
        'given a port, and serves only /healthz, /readyz and /metrics on it',
      port,
    )
    .addOption(new Option('--role <role>', 'which parts to run (HERALD_ROLE, default all)').choices(ROLES))
    .option('--redis-url <url>', 'redis:// URL for the cluster profile (HERALD_REDIS_URL)'),
).action(async (flags: ConfigFlags) => {
  const config = loadConfig(flags);
  const engine = await createEngine(config);
  if (engine.generatedAdminToken) {
    process.stdout.write(
      `\nHerald generated an admin token. It is shown once; store it now:\n\n  ${engine.generatedAdminToken}\n\n` +
        'Rotate it with `herald admin-token`, or set HERALD_ADMIN_TOKEN.\n\n',
    );
  }
  const url = await engine.start();
  engine.logger.info(
    {
      url: url || null,
      role: config.role,
      database: engine.store.dialect,
      ...(config.role === 'worker' ? { serves: workerServes(url) } : {}),
    },
    'herald started',
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    engine.logger.info({ signal }, 'shutting down');
    try {
      await engine.stop();
      engine.logger.info({ signal }, 'herald stopped');
      process.exit(0);
    } catch (error) {
      engine.logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
});

/** What a worker's start line says it serves: operators read it to point probes and scrapes. */
function workerServes(url: string): string {
  return url
    ? 'operations only: /healthz, /readyz, /metrics'
    : 'nothing over HTTP: give --port or HERALD_PORT for /healthz, /readyz and /metrics';
}

common(program.command('migrate').description('apply pending database migrations and exit')).action(
  async (flags: ConfigFlags) => {
    const config = loadConfig(flags);
    const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await store.migrate();
      process.stdout.write(
        applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n',
      );
    } finally {
      await store.close();
    }
  },
);

common(
  program.command('admin-token').description('replace the admin token with a new one and print it'),
).action(async (flags: ConfigFlags) => {
  const config = loadConfig(flags);
  if (config.adminToken) {
    throw new HeraldError('conflict', 409, 'HERALD_ADMIN_TOKEN is set; change that variable instead');
  }
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await store.migrate();
    const { box } = await installationKey(store.db, config.secretKey, config.dataDir);
    const keys = apiKeys({
      db: store.db,
      clock: systemClock,
      secrets: box,
      publicUrl: () => '',
      configuredAdminToken: null,
    });
    process.stdout.write(`${await keys.rotateAdminToken()}\n`);
  } finally {
    await store.close();
  }
});

program.parseAsync().catch((error: unknown) => {
  if (error instanceof HeraldError) {
    const fields = error.details.map((d) => `  ${d.path}: ${d.message}`).join('\n');
    process.stderr.write(`herald: ${error.message}${fields ? `\n${fields}` : ''}\n`);
  } else {
    createLogger('error').error({ err: error }, 'herald failed');
  }
  process.exit(1);
});
