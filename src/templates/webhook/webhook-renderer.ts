import type { WebhookContent } from '../../delivery/channels/webhook/webhook-content.js';
import type { RenderContext } from '../render-context.js';

/**
 * Version of the webhook body's shape, sent as the body's `version`; bumped only for a breaking change
 * (a field removed, renamed or retyped), never for an added one.
 */
export const WEBHOOK_BODY_VERSION = 1;

/**
 * The webhook body of DESIGN.md §4: the type, the version of the body's shape, when it fired, and the
 * payload itself as `data` with the notification's id. Data is JSON, so nothing needs escaping;
 * receivers get the values as they are.
 */
export function renderWebhook(type: string, payload: object, context: RenderContext): WebhookContent {
  const timestamp = new Date(context.timestamp ?? Date.now()).toISOString();
  return {
    type,
    version: WEBHOOK_BODY_VERSION,
    timestamp,
    data: { notificationId: context.notificationId ?? '', ...payload },
  };
}
