import { safeOrigin } from '../../address-guard.js';
import {
  type Channel,
  type DeliveryContext,
  type OutboundMessage,
  PermanentDeliveryError,
  type SendResult,
} from '../../channel.js';
import { assertHttpOk, type HttpClient, httpClient } from '../../http-client.js';
import { parseContent, parseIntegration } from '../../integration-fields.js';
import {
  type WebhookContent,
  webhookConfigSchema,
  webhookContentSchema,
  webhookSecretsSchema,
} from './webhook-content.js';
import { signWebhook } from './webhook-signature.js';

/** Options of {@link webhookChannel}. */
export interface WebhookChannelOptions {
  /** The shared outbound client. Default: a client of this channel's own. */
  readonly http?: HttpClient;
  /** Used only when the channel makes its own client. Default false. */
  readonly allowPrivateTargets?: boolean;
}

/** Posts signed JSON (Standard Webhooks) to the integration's URL. */
export function webhookChannel(options: WebhookChannelOptions = {}): Channel<WebhookContent> {
  const http = options.http ?? httpClient({ allowPrivateTargets: options.allowPrivateTargets });

  async function send(
    message: OutboundMessage<WebhookContent>,
    context: DeliveryContext,
  ): Promise<SendResult> {
    const { config, secrets } = parseIntegration(context, webhookConfigSchema, webhookSecretsSchema);
    const content = parseContent(webhookContentSchema, message.content);
    const body = JSON.stringify(content);
    const signature = signWebhook(secrets.signingSecret, message.idempotencyKey, context.clock.now(), body);
    const target = safeOrigin(config.url);
    context.logger.debug({ target, webhookId: message.idempotencyKey }, 'posting webhook');
    const response = await http.request({
      url: config.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signature },
      body,
      timeoutMs: config.timeoutMs,
      signal: context.signal,
    });
    if (response.status === 410) {
      throw new PermanentDeliveryError(`Webhook ${target} answered 410 Gone`, {
        code: 'http_410',
        disableTarget: true,
      });
    }
    assertHttpOk(response, `Webhook ${target}`, context.clock.now());
    return { providerMessageId: message.idempotencyKey, providerResponse: `HTTP ${response.status}` };
  }

  return {
    kind: 'webhook',
    send,
    async close() {
      if (!options.http) http.close();
    },
  };
}
