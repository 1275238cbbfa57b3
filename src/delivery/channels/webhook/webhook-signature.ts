import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new Standard Webhooks signing secret: `whsec_` and base64 of 24 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The three Standard Webhooks headers for one attempt. */
export interface WebhookSignatureHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/**
 * Signs `body` for one attempt. The id stays the same across retries so receivers can drop duplicates;
 * the timestamp is the attempt's, so receivers' replay windows accept late retries.
 */
export function signWebhook(
  secret: string,
  id: string,
  nowMs: number,
  body: string,
): WebhookSignatureHeaders {
  const at = new Date(Math.floor(nowMs / 1000) * 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(nowMs / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}
