import { safeOrigin } from '../../address-guard.js';
import {
  type Channel,
  type DeliveryContext,
  type IntegrationRef,
  type OutboundMessage,
  PermanentDeliveryError,
  type SendResult,
} from '../../channel.js';
import { assertHttpOk, type HttpClient, httpClient } from '../../http-client.js';
import { parseContent, parseIntegration } from '../../integration-fields.js';
import { alertmanagerBody } from './alertmanager-body.js';
import {
  WEBHOOK_VERSION_HEADER,
  type WebhookContent,
  webhookConfigSchema,
  webhookContentSchema,
  webhookSecretsSchema,
} from './webhook-content.js';
import { type WebhookSigner, webhookSigner } from './webhook-signature.js';

/** An integration as checked and made ready to sign with. */
interface Target {
  readonly url: string;
  /** The URL's origin, for messages: the path may hold a token. */
  readonly origin: string;
  readonly timeoutMs: number | undefined;
  readonly sign: WebhookSigner;
  /** The `Authorization` header the receiver asked for, if any (a secret). */
  readonly authorization: Readonly<Record<string, string>>;
  /** The integration's name, the `receiver` of an Alertmanager body; null for Herald's own body. */
  readonly alertmanagerReceiver: string | null;
}

/** Options of {@link webhookChannel}. */
export interface WebhookChannelOptions {
  /** The shared outbound client. Default: a client of this channel's own. */
  readonly http?: HttpClient;
  /** Used only when the channel makes its own client. Default false. */
  readonly allowPrivateTargets?: boolean;
  /** Herald's public address, an Alertmanager body's `externalURL`. Default: none (empty). */
  readonly publicUrl?: () => string;
}

/** The body's version as its header; none for a body without one (content of a renderer of its own). */
function versionHeader(content: WebhookContent): Record<string, string> {
  const { version } = content;
  return typeof version === 'number' && Number.isSafeInteger(version) && version > 0
    ? { [WEBHOOK_VERSION_HEADER]: String(version) }
    : {};
}

/**
 * Posts signed JSON (Standard Webhooks) to the integration's URL: Herald's body, or Alertmanager's when
 * the integration's `format` is `alertmanager` (signed all the same; such receivers ignore the headers).
 */
export function webhookChannel(options: WebhookChannelOptions = {}): Channel<WebhookContent> {
  const http = options.http ?? httpClient({ allowPrivateTargets: options.allowPrivateTargets });
  // The delivery stage hands the same integration object to every send for a while: check its fields and
  // decode its secret once per object, not per message. A misconfigured one is never kept.
  const targets = new WeakMap<IntegrationRef, Target>();

  function targetOf(context: DeliveryContext): Target {
    const cached = context.integration && targets.get(context.integration);
    if (cached) return cached;
    const { config, secrets, integration } = parseIntegration(
      context,
      webhookConfigSchema,
      webhookSecretsSchema,
    );
    const target: Target = {
      url: config.url,
      origin: safeOrigin(config.url),
      timeoutMs: config.timeoutMs,
      sign: webhookSigner(secrets.signingSecret),
      authorization: secrets.authorization ? { authorization: secrets.authorization } : {},
      alertmanagerReceiver: config.format === 'alertmanager' ? integration.name : null,
    };
    targets.set(integration, target);
    return target;
  }

  async function send(
    message: OutboundMessage<WebhookContent>,
    context: DeliveryContext,
  ): Promise<SendResult> {
    const target = targetOf(context);
    // Content of the body's shape (what the built-in renderer makes) passes the schema's written-out
    // check and is posted as it is.
    const content = parseContent(webhookContentSchema, message.content);
    const receiver = target.alertmanagerReceiver;
    const body = JSON.stringify(
      receiver === null ? content : alertmanagerBody(content, receiver, options.publicUrl?.() ?? ''),
    );
    const signature = target.sign(message.idempotencyKey, context.clock.now(), body);
    context.logger.debug({ target: target.origin, webhookId: message.idempotencyKey }, 'posting webhook');
    const response = await http.request({
      url: target.url,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...target.authorization,
        ...signature,
        ...(receiver === null ? versionHeader(content) : {}),
      },
      body,
      timeoutMs: target.timeoutMs,
      signal: context.signal,
    });
    if (response.status === 410) {
      throw new PermanentDeliveryError(`Webhook ${target.origin} answered 410 Gone`, {
        code: 'http_410',
        disableTarget: true,
      });
    }
    assertHttpOk(response, `Webhook ${target.origin}`, context.clock.now());
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
