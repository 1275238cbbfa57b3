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

/** Removes credentials from a URL before it is logged (`sentry_key`, `token` query parameters). */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:sentry_key|token|key|signature)=)[^&]*/gi, '$1[redacted]');
}
