import pino, { type DestinationStream, type Logger } from 'pino';

/** Field paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-sentry-auth"]',
  'req.headers.cookie',
  'headers.authorization',
  '*.secrets',
  '*.secret',
  '*.token',
  '*.password',
  '*.botToken',
  '*.routingKey',
  '*.webhookUrl',
  '*.signingSecret',
  'secrets',
  'token',
] as const;

/** Creates the JSON logger; `destination` lets tests capture lines. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'herald' },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** A field of a {@link ScalarLogger} line: an id, a status, a count or a duration. */
export type ScalarField = string | number | boolean | null;

/** Writes lines made only of scalar fields under fixed names (see {@link scalarLogger}). */
export interface ScalarLogger {
  info(fields: Readonly<Record<string, ScalarField>>, message: string): void;
}

/**
 * The logger for a line written per unit of work (every delivery): its fields are ids, statuses, counts
 * and durations under fixed names, so none can hold a secret, and the redaction pass is skipped. With the
 * wildcard paths above that pass walks every field of every line and costs about two thirds of it
 * (some 20 µs). Objects, errors and free text always go through the redacting logger.
 */
export function scalarLogger(logger: Logger): ScalarLogger {
  const plain = logger.child({}, { redact: [] });
  return { info: (fields, message) => plain.info(fields, message) };
}

/** Removes credentials from a URL before it is logged (`sentry_key`, `token` query parameters). */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:sentry_key|token|key|signature)=)[^&]*/gi, '$1[redacted]');
}

/**
 * A request's logger made on its first line: Fastify gives every request a child logger with its id,
 * and making one runs the redaction over its bindings (a few µs and some 3 KB of garbage a request), while
 * most requests (ingest answers, sampled) write no line at all. Lines are the child's, with `reqId`. A
 * class, so a request costs one small object and no closures.
 */
class LazyChildLogger {
  #child: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly childBindings: pino.Bindings,
    private readonly options: pino.ChildLoggerOptions,
  ) {}

  #made(): Logger {
    this.#child ??= this.parent.child(this.childBindings, this.options);
    return this.#child;
  }

  #write(level: pino.Level, line: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    (this.#made()[level] as (...args: unknown[]) => void)(...line);
  }

  trace(...line: unknown[]): void {
    this.#write('trace', line);
  }
  debug(...line: unknown[]): void {
    this.#write('debug', line);
  }
  info(...line: unknown[]): void {
    this.#write('info', line);
  }
  warn(...line: unknown[]): void {
    this.#write('warn', line);
  }
  error(...line: unknown[]): void {
    this.#write('error', line);
  }
  fatal(...line: unknown[]): void {
    this.#write('fatal', line);
  }
  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    return this.#made().child(bindings, options);
  }
  isLevelEnabled(level: string): boolean {
    return (this.#child ?? this.parent).isLevelEnabled(level);
  }
  bindings(): pino.Bindings {
    return this.#made().bindings();
  }
  get level(): string {
    return (this.#child ?? this.parent).level;
  }
  set level(level: string) {
    this.#made().level = level;
  }
}

/** A request's logger, made on its first line (see {@link LazyChildLogger}). */
export function lazyChildLogger(
  parent: Logger,
  bindings: pino.Bindings,
  options: pino.ChildLoggerOptions,
): Logger {
  return new LazyChildLogger(parent, bindings, options) as unknown as Logger;
}
