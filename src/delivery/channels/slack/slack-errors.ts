import slack from '@slack/web-api';
import { PermanentDeliveryError, TransientDeliveryError } from '../../channel.js';

const { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } = slack;

/** Slack errors after which this integration can send nothing at all: disable it, tell the owners. */
const FATAL = new Set([
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_authed',
  'org_login_required',
  'team_access_not_granted',
]);

/** Slack errors that say "try again later". */
const TRANSIENT = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * Classifies an error of `@slack/web-api`. Platform errors are permanent unless Slack says they pass
 * (`channel_not_found`, `is_archived`, `not_in_channel`, `invalid_blocks`, `msg_too_long`, …); auth errors
 * are fatal; rate limits, HTTP 5xx and network failures are transient.
 */
export function classifySlackError(err: unknown): PermanentDeliveryError | TransientDeliveryError {
  if (err instanceof PermanentDeliveryError || err instanceof TransientDeliveryError) return err;
  if (err instanceof WebAPIPlatformError) {
    const code = err.data.error;
    if (TRANSIENT.has(code)) return new TransientDeliveryError(`Slack answered ${code}`, { code });
    return new PermanentDeliveryError(`Slack answered ${code}`, { code, fatal: FATAL.has(code) });
  }
  if (err instanceof WebAPIRateLimitedError) {
    return new TransientDeliveryError(`Slack rate limit; retry after ${err.retryAfter} s`, {
      code: 'ratelimited',
      retryAfterMs: err.retryAfter * 1000,
    });
  }
  if (err instanceof WebAPIHTTPError) {
    const code = `http_${err.statusCode}`;
    if (err.statusCode >= 500 || err.statusCode === 429) {
      return new TransientDeliveryError(`Slack answered HTTP ${err.statusCode}`, { code });
    }
    return new PermanentDeliveryError(`Slack answered HTTP ${err.statusCode}`, { code });
  }
  if (err instanceof WebAPIRequestError) {
    const original = err.original;
    if (original instanceof PermanentDeliveryError || original instanceof TransientDeliveryError)
      return original;
    return new TransientDeliveryError(`Slack request failed: ${original.message}`, { code: 'network_error' });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TransientDeliveryError(`Slack call failed: ${message}`, { code: 'slack_error' });
}
