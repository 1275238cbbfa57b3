import webpush from 'web-push';
import { PermanentDeliveryError, TransientDeliveryError } from '../../channel.js';
import { parseRetryAfter, transportError } from '../../http-client.js';

/**
 * Classifies a web-push failure. 404/410 mean the subscription is gone: stop using it. 413 is too large;
 * 429 and 5xx are transient. The library's error carries the endpoint (a capability URL), so it is not
 * kept as the cause.
 */
export function classifyPushError(
  err: unknown,
  endpoint: URL,
  nowMs: number,
): PermanentDeliveryError | TransientDeliveryError {
  if (err instanceof PermanentDeliveryError || err instanceof TransientDeliveryError) return err;
  if (!(err instanceof webpush.WebPushError)) {
    const { code } = (err ?? {}) as { code?: unknown };
    const message = err instanceof Error ? err.message : String(err);
    return transportError(
      Object.assign(new Error(message.replaceAll(endpoint.href, '(endpoint)')), { code }),
      endpoint,
    );
  }
  const status = err.statusCode;
  const detail = `Push service ${endpoint.origin} answered HTTP ${status}: ${err.body.slice(0, 200)}`;
  if (status === 404 || status === 410) {
    return new PermanentDeliveryError(detail, { code: `http_${status}`, disableTarget: true });
  }
  if (status === 413) return new PermanentDeliveryError(detail, { code: 'too_large' });
  if (status === 429 || status >= 500) {
    const retryAfter = (err.headers as Record<string, string | undefined>)['retry-after'];
    return new TransientDeliveryError(detail, {
      code: `http_${status}`,
      retryAfterMs: parseRetryAfter(retryAfter, nowMs),
    });
  }
  return new PermanentDeliveryError(detail, { code: `http_${status}` });
}
