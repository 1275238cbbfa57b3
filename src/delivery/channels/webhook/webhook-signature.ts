import { createHmac, randomBytes } from 'node:crypto';
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

/** Signs one attempt's body: its id, the attempt's time in epoch ms, and the body as sent. */
export type WebhookSigner = (id: string, nowMs: number, body: string) => WebhookSignatureHeaders;

const PREFIX = 'whsec_';

/**
 * A signer for one secret, which is decoded once. The id stays the same across retries so receivers can
 * drop duplicates; the timestamp is the attempt's, so receivers' replay windows accept late retries.
 * Signatures are those of the `standardwebhooks` library (`v1,` and base64 of HMAC-SHA256 over
 * `id.timestamp.body`), computed with node:crypto, many times faster than the library's JavaScript
 * SHA-256. Throws for a secret the library refuses.
 */
export function webhookSigner(secret: string): WebhookSigner {
  const library = new Webhook(secret);
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  // The signed content is `id.timestamp.body`, fed in pieces: joined first, the body was copied once
  // more per send only to be hashed.
  const hmac = (id: string, timestamp: number, body: string) =>
    `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
  // Buffer reads base64 by rules of its own: should it read a secret the library accepted differently,
  // the library signs, so a receiver always gets what the library would have sent.
  const same = hmac('probe', 0, '') === library.sign('probe', new Date(0), '');
  return (id, nowMs, body) => {
    const timestamp = Math.floor(nowMs / 1000);
    return {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': same
        ? hmac(id, timestamp, body)
        : library.sign(id, new Date(timestamp * 1000), body),
    };
  };
}

/** Signs `body` for one attempt (see {@link webhookSigner}). */
export function signWebhook(
  secret: string,
  id: string,
  nowMs: number,
  body: string,
): WebhookSignatureHeaders {
  return webhookSigner(secret)(id, nowMs, body);
}
