import { z } from 'zod';
import { isPlainObject, withWrittenCheck } from '../../../validation.js';

/**
 * The webhook body (DESIGN.md §4): `type`, `timestamp` and `data`; further top-level fields are kept
 * so the body can grow without a channel change. The built-in renderer adds `version`, the version of
 * the body's shape, which the channel repeats in {@link WEBHOOK_VERSION_HEADER}.
 */
export const webhookContentSchema = withWrittenCheck(
  z.looseObject({
    type: z.string().min(1),
    timestamp: z.string().min(1),
    data: z.record(z.string(), z.unknown()),
  }),
  isWebhookContent,
);

/**
 * The header that repeats the body's `version` (a positive integer), so a receiver can route a body by
 * its shape before parsing it. Only the body is signed: a receiver relies on the body's own `version`.
 */
export const WEBHOOK_VERSION_HEADER = 'herald-webhook-version';

/** What the renderer produces for the webhook channel. */
export type WebhookContent = z.infer<typeof webhookContentSchema>;

/**
 * The check of {@link webhookContentSchema} written out, without the copy of the payload the schema
 * makes (key by key, on every send): what it accepts, the schema accepts and gives back equal. Kept
 * beside the schema, to change with it; a property test holds the two together.
 */
export function isWebhookContent(value: unknown): value is WebhookContent {
  return (
    isPlainObject(value) &&
    typeof value.type === 'string' &&
    value.type.length > 0 &&
    typeof value.timestamp === 'string' &&
    value.timestamp.length > 0 &&
    isPlainObject(value.data)
  );
}

/**
 * The body formats a webhook can post: Herald's own (`herald`, the default), or Alertmanager's webhook
 * body (`alertmanager`, version 4) for receivers built for Alertmanager.
 */
export const WEBHOOK_FORMATS = ['herald', 'alertmanager'] as const;

/** Integration `config` of a webhook: where to post, how long to wait, and in which body format. */
export const webhookConfigSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  timeoutMs: z.number().int().min(100).max(60_000).optional(),
  format: z.enum(WEBHOOK_FORMATS).optional(),
  /** False: the webhook is not told when an issue it was alerted of is resolved. Default true. */
  sendResolved: z.boolean().optional(),
});

/**
 * Integration `secrets` of a webhook: the Standard Webhooks signing secret (`whsec_…`), and the
 * `Authorization` header to send, for receivers that take a token rather than check signatures (as
 * Alertmanager's `http_config.authorization` sends one).
 */
export const webhookSecretsSchema = z.object({
  signingSecret: z.string().startsWith('whsec_'),
  authorization: z.string().min(1).optional(),
});
