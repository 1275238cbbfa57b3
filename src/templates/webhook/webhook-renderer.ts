import type { WebhookContent } from '../../delivery/channels/webhook/webhook-content.js';
import type { RenderContext } from '../render-context.js';

/**
 * The webhook body of DESIGN.md §4: the type, when it fired, and the payload itself as `data` with the
 * notification's id. Data is JSON, so nothing needs escaping; receivers get the values as they are.
 */
export function renderWebhook(type: string, payload: object, context: RenderContext): WebhookContent {
  const timestamp = new Date(context.timestamp ?? Date.now()).toISOString();
  return { type, timestamp, data: { notificationId: context.notificationId ?? '', ...payload } };
}
