import { resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from './errors.js';
import { ALERT_RESOLVE_TIMEOUT_MS } from './events/alert-ends.js';
import { SLOW_TRANSACTION_MS } from './events/sentry-event.js';
import { DEFAULT_CONCURRENCY } from './queue/queue.js';

/** Process roles: `all` runs the API and the workers in one process (the embedded default). */
export const ROLES = ['all', 'api', 'worker'] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** The port of the API (and of the one process of the embedded profile) when none is given. */
export const DEFAULT_PORT = 8080;

/** Log levels pino understands. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Herald's resolved configuration; read once, here, and passed down. */
export interface HeraldConfig {
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host: string;
  /**
   * Port to listen on; 0 picks a free one. Default 8080, but a worker listens only when given one, and
   * then serves only `/healthz`, `/readyz` and `/metrics` (null: no listener).
   */
  readonly port: number | null;
  /** Which parts this process runs. Default `all`. */
  readonly role: Role;
  /** Folder for the SQLite database and generated keys. Default `./data`. */
  readonly dataDir: string;
  /** `postgres://…` selects PostgreSQL; unset selects SQLite in `dataDir`. */
  readonly databaseUrl: string | null;
  /** `redis://…`: workers of all processes are woken through Redis, which holds the shared counters (cluster). */
  readonly redisUrl: string | null;
  /** Prefix of every Redis key, so several installations share one Redis. Default `herald`. */
  readonly redisPrefix: string;
  /** Admin bearer token; when unset, one is generated on first start and printed once. */
  readonly adminToken: string | null;
  /** Key for encrypting integration secrets and signing links; generated into `dataDir` when unset. */
  readonly secretKey: string | null;
  /** Base URL for links and DSNs. Default `http://{host}:{port}`. */
  readonly publicUrl: string | null;
  /** Default `info`. */
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Allow outbound HTTP to private and loopback addresses. Default false. */
  readonly allowPrivateTargets: boolean;
  /** Largest accepted request body in bytes. Default 1 MiB. */
  readonly bodyLimit: number;
  /** Days events, notifications and their deliveries are kept. Default 30. */
  readonly retentionDays: number;
  /** A Sentry SDK's transaction longer than this (ms) becomes a performance issue. Default 1200. */
  readonly slowTransactionMs: number;
  /**
   * How long an Alertmanager alert sent without `endsAt` lasts unless it is sent again, after which its
   * issue is resolved (Alertmanager's `resolve_timeout`, ms). Default 300000 (5 minutes).
   */
  readonly alertResolveTimeoutMs: number;
  /**
   * Jobs a worker process runs at once (per job kind in the cluster profile). Most of a delivery's time
   * is spent waiting on the provider, so this bounds deliveries/s to a slow one: 128 slots against an API
   * answering in 300 ms make about 400 a second. Default 128.
   */
  readonly workerConcurrency: number;
}

/** Command-line flags that override the environment. */
export interface ConfigFlags {
  readonly host?: string;
  readonly port?: string | number;
  readonly role?: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly redisUrl?: string;
  readonly logLevel?: string;
}

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];
/** A switch: a misspelt value (`ture`) is refused, not read as "off". */
const boolean = z
  .string()
  .refine((v) => [...TRUE_WORDS, ...FALSE_WORDS].includes(v.trim().toLowerCase()), {
    message: `must be one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`,
  })
  .transform((v) => TRUE_WORDS.includes(v.trim().toLowerCase()));

const schema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  // No default here: the default depends on the role (see loadConfig).
  port: z.coerce.number().int().min(0).max(65535).optional(),
  role: z.enum(ROLES).default('all'),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .nullable()
    .default(null),
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .nullable()
    .default(null),
  redisPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _ . or -')
    .default('herald'),
  adminToken: z.string().min(16, 'must be at least 16 characters').nullable().default(null),
  secretKey: z.string().min(32, 'must be at least 32 characters').nullable().default(null),
  publicUrl: z.url().nullable().default(null),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  allowPrivateTargets: boolean.default(false),
  bodyLimit: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  retentionDays: z.coerce.number().int().min(1).max(3650).default(30),
  slowTransactionMs: z.coerce.number().int().min(0).max(3_600_000).default(SLOW_TRANSACTION_MS),
  alertResolveTimeoutMs: z.coerce
    .number()
    .int()
    .min(1000)
    .max(30 * 86_400_000)
    .default(ALERT_RESOLVE_TIMEOUT_MS),
  workerConcurrency: z.coerce.number().int().min(1).max(1024).default(DEFAULT_CONCURRENCY),
});

const ENV: Record<keyof z.input<typeof schema>, string> = {
  host: 'HERALD_HOST',
  port: 'HERALD_PORT',
  role: 'HERALD_ROLE',
  dataDir: 'HERALD_DATA_DIR',
  databaseUrl: 'HERALD_DATABASE_URL',
  redisUrl: 'HERALD_REDIS_URL',
  redisPrefix: 'HERALD_REDIS_PREFIX',
  adminToken: 'HERALD_ADMIN_TOKEN',
  secretKey: 'HERALD_SECRET_KEY',
  publicUrl: 'HERALD_PUBLIC_URL',
  logLevel: 'HERALD_LOG_LEVEL',
  allowPrivateTargets: 'HERALD_ALLOW_PRIVATE_TARGETS',
  bodyLimit: 'HERALD_BODY_LIMIT',
  retentionDays: 'HERALD_RETENTION_DAYS',
  slowTransactionMs: 'HERALD_SLOW_TRANSACTION_MS',
  alertResolveTimeoutMs: 'HERALD_ALERT_RESOLVE_TIMEOUT_MS',
  workerConcurrency: 'HERALD_WORKER_CONCURRENCY',
};

/** The environment variables Herald reads, by config field. */
export const CONFIG_ENV_VARS: Readonly<Record<string, string>> = ENV;

/**
 * Resolves the configuration: flags, then `HERALD_*` variables of `env`, then defaults. The only place
 * that reads the environment; invalid values fail with the variable's name.
 */
export function loadConfig(
  flags: ConfigFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<HeraldConfig> = {},
): HeraldConfig {
  const input: Record<string, unknown> = {};
  for (const [field, name] of Object.entries(ENV)) {
    const fromFlag = (flags as Record<string, unknown>)[field];
    const fromEnv = env[name];
    const value = fromFlag ?? (fromEnv === '' ? undefined : fromEnv);
    if (value !== undefined) input[field] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => {
        const field = String(issue.path[0] ?? '');
        return { path: ENV[field as keyof typeof ENV] ?? field, message: issue.message };
      }),
      'Invalid configuration',
    );
  }
  // A worker given no port opens none: on one host, an API and a worker started with the same defaults
  // would otherwise both want 8080.
  const config = { ...parsed.data, ...overrides };
  const port = config.port ?? (config.role === 'worker' ? null : DEFAULT_PORT);
  return { ...config, port, dataDir: resolve(config.dataDir) };
}

/** The base URL for links: the configured public URL, else derived from host and port. */
export function publicBaseUrl(config: HeraldConfig, boundPort?: number): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host}:${boundPort ?? config.port ?? DEFAULT_PORT}`;
}
